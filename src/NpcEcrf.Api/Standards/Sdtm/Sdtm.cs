using System.Globalization;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Survival;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>
/// SDTM (SDTMIG 3.4) domains of a study as pure functions of its casebooks as locked: the raw collected data, with
/// everything dated after the cut-off left out as <see cref="CohortSnapshot"/> leaves it out (docs/standards.md, "SDTM").
/// </summary>
public static class Sdtm
{
    public const string Standard = "SDTMIG 3.4";

    /// <summary>DM, SUPPDM, DS, EX, AE, TU, TR, RS, SS, then the study's own domains (StudyForm.Domain) in name order.</summary>
    /// <param name="casebooks">Replayed to the lock's high-water mark; other studies' casebooks and subjects enrolled after the cut-off are skipped.</param>
    public static IReadOnlyList<Dataset> Build(Study study, StudyDefinition definition, IReadOnlyList<Casebook> casebooks, DateOnly cutoff)
    {
        var subjects = casebooks.Where(c => c.StudyId == study.StudyId && c.Enrolled && c.Enrolment.EnrolmentDate <= cutoff)
            .OrderBy(c => c.SubjectNumber, StringComparer.Ordinal)
            .Select(c => new SdtmSubject(c, CohortSnapshot.Subject(c, definition, cutoff, 0), study.StudyId, cutoff))
            .ToList();
        return
        [
            Dm.Build(subjects, definition), SuppDm.Build(subjects, definition), Ds.Build(subjects), Ex.Build(subjects, definition), Ae.Build(subjects, definition),
            Tu.Build(subjects), Tr.Build(subjects), Rs.Build(subjects), Ss.Build(subjects),
            .. StudyFormDomains.Build(subjects, definition),
        ];
    }

    /// <summary>The SDTM datasets of a lock: the casebooks replayed to its high-water mark, the definition in force at its cut-off.</summary>
    public static async Task<IReadOnlyList<Dataset>> FromLock(IQuerySession session, DatabaseLock databaseLock, CancellationToken ct)
    {
        var cohort = await CohortReplay.Cohort(session, databaseLock.StudyId, databaseLock.HighWaterMark, ct)
            ?? throw new InvalidOperationException($"Study '{databaseLock.StudyId}' has no events up to the lock's high-water mark.");
        return Build(cohort.Study, cohort.Study.VersionOn(databaseLock.Cutoff).Definition, cohort.Casebooks, databaseLock.Cutoff);
    }

    internal static string Dtc(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    internal static string? Dtc(DateOnly? date) => date is { } d ? Dtc(d) : null;

    internal static readonly Variable StudyId = new("STUDYID", "Study Identifier", VariableType.Text, Origin: "Assigned", Key: true);
    internal static readonly Variable Domain = new("DOMAIN", "Domain Abbreviation", VariableType.Text, 2, "Assigned", "DOMAIN");
    internal static readonly Variable UsubjId = new("USUBJID", "Unique Subject Identifier", VariableType.Text, Origin: "Derived", Derivation: "STUDYID-SUBJID", Key: true);
    internal static Variable Seq(string domain) => new($"{domain}SEQ", "Sequence Number", VariableType.Integer, Origin: "Derived",
        Derivation: "1, 2, ... per USUBJID in the order of the dataset's key variables");
    internal static readonly Variable Epoch = new("EPOCH", "Epoch", VariableType.Text, Origin: "Derived", CodeList: "EPOCH",
        Derivation: "SCREENING before the first dose (or with none), FOLLOW-UP after the treatment discontinuation date, else TREATMENT");
    internal static readonly Variable VisitNum = new("VISITNUM", "Visit Number", VariableType.Float, Origin: "Derived", Derivation: "0 for the baseline scan, n for the n-th follow-up assessment by date");
    internal static readonly Variable Visit = new("VISIT", "Visit Name", VariableType.Text, Origin: "Collected", Derivation: null);

    /// <summary>
    /// A dataset from rows given by variable name: sorted by the key variables (ordinal, missing first), --SEQ numbered per
    /// subject in that order, each row laid out in the variables' order.
    /// </summary>
    internal static Dataset Make(string name, string label, string @class, IReadOnlyList<Variable> variables, IEnumerable<Dictionary<string, object?>> rows)
    {
        var keys = variables.Where(v => v.Key).Select(v => v.Name).ToList();
        var sorted = rows.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var key in keys)
            {
                var c = Compare(a.GetValueOrDefault(key), b.GetValueOrDefault(key));
                if (c != 0) return c;
            }
            return 0;
        });
        var seq = variables.FirstOrDefault(v => v.Name.EndsWith("SEQ", StringComparison.Ordinal) && v.Name.Length == 5)?.Name;
        var counters = new Dictionary<string, int>();
        var laidOut = new List<IReadOnlyList<object?>>();
        foreach (var row in sorted)
        {
            if (seq is not null)
            {
                var subject = (string)row["USUBJID"]!;
                row[seq] = counters[subject] = counters.GetValueOrDefault(subject) + 1;
            }
            var unknown = row.Keys.FirstOrDefault(k => variables.All(v => v.Name != k));
            if (unknown is not null) throw new InvalidOperationException($"{name} has no variable {unknown}.");
            laidOut.Add(variables.Select(v => row.GetValueOrDefault(v.Name)).ToList());
        }
        return new Dataset(name, label, @class, variables, laidOut);
    }

    // Stable order for mixed key values: missing first, numbers by value, text ordinal (ISO dates sort as text).
    private static int Compare(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string x, string y) => string.CompareOrdinal(x, y),
        (IConvertible x, IConvertible y) when x is not string && y is not string => x.ToDecimal(CultureInfo.InvariantCulture).CompareTo(y.ToDecimal(CultureInfo.InvariantCulture)),
        _ => string.CompareOrdinal(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture)),
    };
}

/// <summary>One subject as SDTM reads it: the casebook (raw values) and its snapshot at the cut-off (what is visible, and the derived values).</summary>
internal sealed record SdtmSubject(Casebook Casebook, SubjectSnapshot Snapshot, string StudyId, DateOnly Cutoff)
{
    public string Usubjid => Adam.Adam.Usubjid(StudyId, Casebook.SubjectNumber);

    public DateOnly? Discontinuation => Snapshot.DiscontinuationDate;

    public DateOnly? Death => Casebook.Death is { } death && death.Date <= Cutoff ? death.Date : null;

    public string Epoch(DateOnly date) =>
        Snapshot.FirstDoseDate is not { } first || date < first ? "SCREENING" : Discontinuation is { } end && date > end ? "FOLLOW-UP" : "TREATMENT";

    /// <summary>A row starting with the identifiers every domain carries.</summary>
    public Dictionary<string, object?> Row(string domain) => new() { ["STUDYID"] = StudyId, ["DOMAIN"] = domain, ["USUBJID"] = Usubjid };
}
