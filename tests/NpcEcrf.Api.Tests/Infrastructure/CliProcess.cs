using System.Diagnostics;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>Runs `./npc-ecrf` verbs as a process on a test schema, with a data folder of its own.</summary>
public static class CliProcess
{
    public static Task<(int Exit, string Stdout, string Stderr)> Run(TestDatabase.Connections db, string schema, string dataDir, params string[] args) =>
        RunWith(db, schema, dataDir, new Dictionary<string, string>(), args);

    /// <summary>The same, with more environment variables (configuration such as Database__StudyDatabases).</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunWith(TestDatabase.Connections db, string schema, string dataDir,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "npc-ecrf.dll"));
        foreach (var a in args.Append("--data-dir").Append(dataDir)) psi.ArgumentList.Add(a);
        psi.Environment["NPCECRF_DB"] = db.Application;
        if (db.Owner is { } owner) psi.Environment["NPCECRF_DB_OWNER"] = owner;
        else psi.Environment.Remove("NPCECRF_DB_OWNER");
        psi.Environment["NPCECRF_SCHEMA"] = schema;
        psi.Environment.Remove("NPCECRF_DATA_DIR");
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout, await stderr);
    }
}
