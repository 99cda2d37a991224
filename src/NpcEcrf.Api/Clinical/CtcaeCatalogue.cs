using System.Text.Json;

namespace NpcEcrf.Api.Clinical;

/// <summary>A CTCAE v5 term as the study uses it: the display term, the CTCAE term, MedDRA code and allowed grades.</summary>
public sealed record CtcaeEntry(string Term, string CtcaeTerm, string? MeddraCode, string Soc, int[] Grades);

/// <summary>
/// The study's CTCAE terms, shipped as data (ctcae-terms.json beside the application). Sites add terms by
/// naming more files of the same shape in NPCECRF_CTCAE_EXTRA (separated by the path separator).
/// </summary>
public sealed class CtcaeCatalogue
{
    public const string ExtraTermsVariable = "NPCECRF_CTCAE_EXTRA";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<CtcaeEntry> Terms { get; }
    private readonly Dictionary<string, CtcaeEntry> _byName;

    public CtcaeCatalogue(IEnumerable<CtcaeEntry> terms)
    {
        Terms = terms.GroupBy(t => t.Term, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        _byName = new Dictionary<string, CtcaeEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in Terms)
        {
            _byName.TryAdd(t.CtcaeTerm, t);
            if (t.MeddraCode is not null) _byName.TryAdd(t.MeddraCode, t);
        }
        foreach (var t in Terms) _byName[t.Term] = t;
    }

    public static CtcaeCatalogue Shipped { get; } = Load(
        [Path.Combine(AppContext.BaseDirectory, "Clinical", "ctcae-terms.json"),
         .. (Environment.GetEnvironmentVariable(ExtraTermsVariable) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)]);

    public static CtcaeCatalogue Load(IEnumerable<string> files) =>
        new(files.SelectMany(f => JsonSerializer.Deserialize<CtcaeEntry[]>(File.ReadAllText(f), Json) ?? []));

    /// <summary>By display term, CTCAE term or MedDRA code, ignoring case.</summary>
    public CtcaeEntry? Find(string nameOrCode) => _byName.GetValueOrDefault(nameOrCode.Trim());

    public bool IsGradeAllowed(string term, int grade) => Find(term)?.Grades.Contains(grade) == true;
}
