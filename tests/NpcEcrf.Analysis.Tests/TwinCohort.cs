using System.Globalization;

namespace NpcEcrf.Analysis.Tests;

/// <summary>The twin cohort of the seed paper, read from ../shared (tests may read it; the product may not).</summary>
public static class TwinCohort
{
    public sealed record Row(int Age, bool LiverMet, string BestResponse, double PfsMonths, bool PfsEvent, double OsMonths, bool OsDeath);

    public static string SharedDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NpcEcrf.sln"))) return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
        throw new DirectoryNotFoundException("NpcEcrf.sln not found above the test assembly.");
    }

    public static string CsvPath => Path.Combine(SharedDir(), "data", "paper", "twin-patients.csv");

    public static IReadOnlyList<Row> Load()
    {
        var lines = File.ReadAllLines(CsvPath);
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(c => new Row(
            int.Parse(c[Col("age")]), c[Col("liver_met")] == "1", c[Col("best_response")],
            double.Parse(c[Col("pfs_mo")], CultureInfo.InvariantCulture), c[Col("pfs_event")] == "1",
            double.Parse(c[Col("os_mo")], CultureInfo.InvariantCulture), c[Col("os_death")] == "1")).ToList();
    }
}
