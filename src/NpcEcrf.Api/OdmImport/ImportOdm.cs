using Marten;
using Microsoft.AspNetCore.Http.Features;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.OdmImport;

/// <summary>
/// An admin or data manager imports a CDISC ODM 1.3.2 file (metadata, clinical data, audit records, signatures,
/// annotations) into a new study, keeping its history. The file is read safely (<see cref="OdmFileReader"/>), mapped
/// without writing (<see cref="OdmImportPlanner"/>), then the study (created as <see cref="CreateStudy"/> creates any
/// study, with its sites) is appended through the pipeline and every subject's stream is COPYed in the same transaction
/// (<see cref="SealedBulkAppend"/>): all or nothing. The endpoint
/// and the command line only translate.
/// </summary>
/// <param name="File">The file's bytes: their SHA-256 names the file in every imported event.</param>
/// <param name="Base">What a file of another EDC lacks (treatment, RECIST, adverse-event terms), as for the definition import.</param>
public sealed record ImportOdm(byte[] File, string FileName, string? StudyId = null, StudyDefinition? Base = null, long MaxBytes = OdmFileReader.DefaultMaxBytes)
{
    /// <summary>What the import answers: the study, how many subjects and events, every deviation with its line, and the file's hash.</summary>
    public sealed record Summary(string StudyId, int Subjects, int EventsWritten, IReadOnlyList<OdmDeviation> Deviations, string FileName, string FileSha256);

    public static async Task<CommandOutcome> Run(IDocumentSession session, Actor actor, ImportOdm c, DateTimeOffset now, CancellationToken ct)
    {
        // Who may import is said before the file is read.
        if (!actor.Has(CreateStudy.Builders)) return Rejection.Forbidden($"This needs one of the roles: {string.Join(", ", CreateStudy.Builders)}.");
        var (file, unreadable) = OdmFileReader.Read(c.File, c.FileName, c.MaxBytes);
        if (unreadable is not null) return Rejection.Invalid("odm", unreadable.Message);
        var (plan, refused) = OdmImportPlanner.Plan(file!, c.StudyId, c.Base, DateOnly.FromDateTime(now.UtcDateTime));
        if (refused is not null) return refused;
        return await Write(session, actor, plan!, ct);
    }

    /// <summary>How the subjects' streams are written: the bulk COPY, or through the session as any other write (the reference the bulk path is compared with).</summary>
    public enum SubjectWrite { Bulk, Session }

    /// <summary>The study's events (as a created study's, with its sites) and, in the same transaction, every subject's stream.</summary>
    public static Task<CommandOutcome> Write(IDocumentSession session, Actor actor, OdmImportPlan plan, CancellationToken ct, SubjectWrite subjects = SubjectWrite.Bulk) =>
        CommandPipeline.Run(session, actor, new WriteRequest<Study>
        {
            StreamId = Study.IdFor(plan.StudyId), What = $"Study '{plan.StudyId}'", Roles = CreateStudy.Builders,
            StartsStream = true, AlreadyExists = $"Study '{plan.StudyId}' already exists: an ODM file is imported into a new study.",
            CreatedAt = $"/studies/{plan.StudyId}",
            Decide = _ => CreateStudy.Decide(new CreateStudy(plan.StudyId, plan.Title, plan.Definition), plan.EffectiveFrom) is var created && created.Rejection is null
                ? new Decision([.. created.Events, .. plan.Sites.Select(s => new SiteAdded(s.SiteId, s.Name))])
                : created,
            Alongside = async (s, _, _) =>
            {
                var streams = plan.Subjects.Select(x => (Casebook.IdFor(plan.StudyId, x.SubjectNumber), x.Events)).ToList();
                if (subjects == SubjectWrite.Session)
                {
                    foreach (var (id, events) in streams) s.Events.StartStream<Casebook>(id, events.ToArray());
                    return null;
                }
                // COPYed in the session's transaction, sealed as the listener seals; the study's SaveChanges commits both.
                var stored = await SealedBulkAppend.StartStreams<Casebook>(s, streams, ct);
                // What the inline CasebookProjection would store: the one evolve function over the same events. No other
                // inline projection takes an imported subject's events; the asynchronous ones catch up from mt_events.
                await SealedBulkAppend.InsertDocuments(s, stored.AsParallel().AsOrdered().Select(CasebookEvolution.Build).Select(c => (c!.Id, c, c.Version)), ct);
                return null;
            },
            // The study stream's version is the number of its events (its creation, definition and sites).
            Answer = study => new Summary(study.StudyId, plan.Subjects.Count, (int)study.Version + plan.Subjects.Sum(x => x.Events.Count),
                plan.Deviations, plan.FileName, plan.FileSha256),
        }, ct);

    /// <summary>The largest file this installation imports: OdmImport:MaxBytes, else <see cref="OdmFileReader.DefaultMaxBytes"/>.</summary>
    public static long MaxBytesFrom(IConfiguration configuration) => configuration.GetValue<long?>("OdmImport:MaxBytes") ?? OdmFileReader.DefaultMaxBytes;

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/studies/import/odm", async (HttpContext http, IDocumentSession session, TimeProvider clock, IConfiguration configuration, string? studyId, string? fileName) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(CreateStudy.Builders)) return Problems.Forbidden("Admins and data managers import ODM files.");
            var max = MaxBytesFrom(configuration);
            // The size is checked before anything is read (and Kestrel's own body limit raised to it for this route).
            if (http.Request.ContentLength is { } length && length > max) return Results.ValidationProblem(new Dictionary<string, string[]> { ["odm"] = [OdmFileReader.TooLarge(length, max)] });
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + 1;
            var (bytes, errors) = await ReadBody(http.Request, max, http.RequestAborted);
            StudyDefinition? baseDefinition = null;
            if (errors is null && bytes.Base is { } baseJson) (baseDefinition, errors) = ImportStudyOdm.ReadBase(baseJson);
            if (errors is not null) return Results.ValidationProblem(errors, title: "The request is not valid.");
            var command = new ImportOdm(bytes.Odm!, string.IsNullOrWhiteSpace(fileName) ? "upload.xml" : Path.GetFileName(fileName), studyId, baseDefinition, max);
            return (await Run(session, actor, command, clock.GetUtcNow(), http.RequestAborted)).ToHttp();
        })
        .AcceptsOdm()
        .Command<Summary>(creates: true, underLocks: false, ofExisting: false)
        .Operation("importClinicalDataOdm", "Import a study with its clinical data from another EDC's ODM file", "ODM import");

    /// <summary>The ODM file: the whole body, or with a base definition the parts "odm" and "base" of a multipart form; never more than the limit.</summary>
    private static async Task<((byte[]? Odm, string? Base), Dictionary<string, string[]>? Errors)> ReadBody(HttpRequest request, long max, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            var body = await Limited(request.Body, max, ct);
            return body is null ? (default, TooLarge(max)) : ((body, null), null);
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max }, ct);
        }
        catch (InvalidDataException e)
        {
            return (default, new() { ["body"] = [$"The form cannot be read: {e.Message}"] });
        }
        var unknown = form.Keys.Concat(form.Files.Select(f => f.Name)).Where(k => k is not ("odm" or "base")).Distinct().ToList();
        if (unknown.Count > 0) return (default, unknown.ToDictionary(k => k, k => new[] { $"'{k}' is not a part of this request (odm, base)." }));
        byte[]? odm = form.Files.GetFile("odm") is { } file ? await Limited(file.OpenReadStream(), max, ct)
            : form.TryGetValue("odm", out var text) ? System.Text.Encoding.UTF8.GetBytes(text.ToString()) : null;
        if (odm is null) return (default, new() { ["odm"] = ["Send the ODM file as the part 'odm' (at most the size limit)."] });
        string? baseJson = form.Files.GetFile("base") is { } b ? await new StreamReader(b.OpenReadStream()).ReadToEndAsync(ct)
            : form.TryGetValue("base", out var value) ? value.ToString() : null;
        return ((odm, baseJson), null);
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
