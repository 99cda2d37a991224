namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>../shared beside the repository: tests may read it (the product never does).</summary>
public static class SharedFiles
{
    public static string Dir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NpcEcrf.sln"))) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("NpcEcrf.sln not found above the test assembly.");
    }
}
