using System.Text;

namespace NpcEcrf.Api.Cli;

/// <summary>
/// Where a verb writes its files. The place is checked before any work (a folder that does not exist or takes no new
/// file is an <see cref="IOException"/>, said in one line with exit 1, before minutes of work rather than after), and each file is written beside its place
/// under a temporary name and then renamed: a reader never sees half a file, and a failed write leaves nothing behind.
/// </summary>
public static class OutputFiles
{
    /// <summary>A file to write: its folder must exist and take a new file. Returns the full path.</summary>
    public static string File(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"'{full}' is a folder, not a file.");
        RequireWritable(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>A folder to write into: an existing one that takes a new file, or a new one whose parent exists and does. Returns the full path.</summary>
    public static string Folder(string path)
    {
        var full = Path.GetFullPath(path);
        if (System.IO.File.Exists(full)) throw new IOException($"'{full}' is a file, not a folder.");
        RequireWritable(Directory.Exists(full) ? full : Path.GetDirectoryName(full)!);
        return full;
    }

    public static Task WriteAsync(string path, string text, CancellationToken ct) =>
        WriteAllAsync(Path.GetDirectoryName(Path.GetFullPath(path))!, [(Path.GetFileName(path), Encoding.UTF8.GetBytes(text))], ct);

    /// <summary>
    /// The files into <paramref name="folder"/> (created if missing), all or none: every one is written under a
    /// temporary name first, and only when all are written are they renamed to their names.
    /// </summary>
    public static async Task WriteAllAsync(string folder, IReadOnlyList<(string Name, byte[] Content)> files, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var written = new List<(string Temporary, string Final)>();
        try
        {
            foreach (var (name, content) in files)
            {
                var final = Path.Combine(folder, name);
                var temporary = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.partial");
                written.Add((temporary, final));
                await System.IO.File.WriteAllBytesAsync(temporary, content, ct);
            }
            foreach (var (temporary, final) in written) System.IO.File.Move(temporary, final, overwrite: true);
        }
        catch
        {
            foreach (var (temporary, _) in written)
                try { System.IO.File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Tries a new file in <paramref name="folder"/> (removed at once), so that "cannot write" is said before the work, not after.</summary>
    private static void RequireWritable(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The folder '{folder}' does not exist.");
        try
        {
            using var _ = new FileStream(Path.Combine(folder, $".npc-ecrf-probe-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The folder '{folder}' does not take new files ({(e is UnauthorizedAccessException ? "permission denied" : e.Message)}).");
        }
    }
}
