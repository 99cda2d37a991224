using Microsoft.AspNetCore.Http.Features;

namespace NpcEcrf.Api.OdmImport;

/// <summary>
/// An uploaded ODM file, as both ODM imports take it: the whole body, or with a base definition the parts "odm" and
/// "base" of a multipart form; never more than the limit (the size is checked before anything is parsed).
/// </summary>
public static class OdmUpload
{
    public sealed record Parts(byte[] Odm, string? Base);

    public static async Task<(Parts? Parts, Dictionary<string, string[]>? Errors)> Read(HttpRequest request, long max, CancellationToken ct)
    {
        if (request.ContentLength is { } length && length > max) return (null, new() { ["odm"] = [OdmFileReader.TooLarge(length, max)] });
        // Kestrel's own body limit raised to this route's.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + 1;
        if (!request.HasFormContentType)
            return await Limited(request.Body, max, ct) is { } body ? (new Parts(body, null), null) : (null, TooLarge(max));
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max }, ct);
        }
        catch (InvalidDataException e)
        {
            return (null, new() { ["body"] = [$"The form cannot be read: {e.Message}"] });
        }
        var unknown = form.Keys.Concat(form.Files.Select(f => f.Name)).Where(k => k is not ("odm" or "base")).Distinct().ToList();
        if (unknown.Count > 0) return (null, unknown.ToDictionary(k => k, k => new[] { $"'{k}' is not a part of this request (odm, base)." }));
        byte[]? odm = form.Files.GetFile("odm") is { } file ? await Limited(file.OpenReadStream(), max, ct)
            : form.TryGetValue("odm", out var text) ? System.Text.Encoding.UTF8.GetBytes(text.ToString()) : null;
        if (odm is null) return (null, new() { ["odm"] = ["Send the ODM file as the part 'odm' (at most the size limit)."] });
        string? baseJson = form.Files.GetFile("base") is { } b ? await new StreamReader(b.OpenReadStream()).ReadToEndAsync(ct)
            : form.TryGetValue("base", out var value) ? value.ToString() : null;
        return (new Parts(odm, baseJson), null);
    }

    private static Dictionary<string, string[]> TooLarge(long max) => new() { ["odm"] = [$"The file is larger than {max:N0} bytes, the most an ODM import reads (OdmImport:MaxBytes). Nothing was read."] };

    /// <summary>The stream's bytes, or null as soon as it holds more than <paramref name="max"/>.</summary>
    private static async Task<byte[]?> Limited(Stream stream, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
