using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>Imaging method as the CDISC METHOD code list names it ("CT" is "CT SCAN").</summary>
internal static class Imaging
{
    public static string Method(string method) => method.Trim().ToUpperInvariant() switch
    {
        "CT" => "CT SCAN",
        "PET-CT" or "PET/CT" => "PET/CT SCAN",
        var other => other,
    };

    public static readonly Variable MethodOf = new("METHOD", "Method of Test or Examination", VariableType.Text, Origin: "Collected", CodeList: "METHOD");

    public static Variable For(string domain) => MethodOf with { Name = domain + "METHOD" };

    /// <summary>The follow-up scans on or before the cut-off, numbered by date from 1 (the baseline scan is visit 0).</summary>
    public static IReadOnlyList<(int Number, TumourAssessed Scan)> Visits(SdtmSubject s) =>
        s.Casebook.Baseline is null ? []
            : s.Casebook.Assessments.Where(a => a.Date <= s.Cutoff).OrderBy(a => a.Date).Select((a, i) => (i + 1, a)).ToList();
}

/// <summary>TU: one record per lesion identified at the baseline scan.</summary>
internal static class Tu
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("TU"),
        new("TULNKID", "Link ID", VariableType.Text, Origin: "Collected", Derivation: null, Key: true),
        new("TUTESTCD", "Tumor/Lesion ID Short Name", VariableType.Text, 8, "Assigned", "TUTESTCD"),
        new("TUTEST", "Tumor/Lesion ID Test Name", VariableType.Text, Origin: "Assigned", CodeList: "TUTEST"),
        new("TUORRES", "Result or Finding in Original Units", VariableType.Text, Origin: "Collected", CodeList: "TUOPTRS"),
        new("TUSTRESC", "Character Result/Finding in Std Format", VariableType.Text, Origin: "Derived", CodeList: "TUOPTRS", Derivation: "TUORRES"),
        new("TULOC", "Location of the Tumor/Lesion", VariableType.Text, Origin: "Collected", CodeList: "LOC", Derivation: null),
        Imaging.For("TU"),
        new("TUEVAL", "Evaluator", VariableType.Text, Origin: "Assigned", CodeList: "EVAL"),
        Sdtm.VisitNum, Sdtm.Visit, Sdtm.Epoch,
        new("TUDTC", "Date/Time of Tumor/Lesion Identification", VariableType.Text, Origin: "Collected"),
    ];

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects) =>
        Sdtm.Make("TU", "Tumor/Lesion Identification", "FINDINGS", Variables, subjects.SelectMany(s => s.Casebook.Baseline is not { } b || b.AssessmentDate > s.Cutoff ? []
            : b.Targets.Select(t => (t.LesionId, t.Organ, Result: "TARGET")).Concat(b.NonTargets.Select(t => (t.LesionId, t.Organ, Result: "NON-TARGET")))
                .Select(l =>
                {
                    var row = s.Row("TU");
                    row["TULNKID"] = l.LesionId;
                    row["TUTESTCD"] = "TUMIDENT";
                    row["TUTEST"] = "Tumor Identification";
                    row["TUORRES"] = row["TUSTRESC"] = l.Result;
                    row["TULOC"] = l.Organ.ToUpperInvariant();
                    row["TUMETHOD"] = Imaging.Method(b.Method);
                    row["TUEVAL"] = "INVESTIGATOR";
                    row["VISITNUM"] = 0;
                    row["VISIT"] = "BASELINE";
                    row["EPOCH"] = s.Epoch(b.AssessmentDate);
                    row["TUDTC"] = Sdtm.Dtc(b.AssessmentDate);
                    return row;
                })));
}

/// <summary>TR: each target lesion's diameter (LDIAM, or SAXIS for a node) and the sum (SUMDIAM) at baseline and at every follow-up scan.</summary>
internal static class Tr
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("TR"),
        new("TRGRPID", "Group ID", VariableType.Text, Origin: "Assigned"),
        new("TRLNKID", "Link ID", VariableType.Text, Origin: "Collected", Key: true),
        new("TRTESTCD", "Tumor/Lesion Assessment Short Name", VariableType.Text, 8, "Assigned", "TRTESTCD",
            "LDIAM for a target lesion, SAXIS for a nodal one; SUMDIAM for the sum", Key: true),
        new("TRTEST", "Tumor/Lesion Assessment Test Name", VariableType.Text, Origin: "Assigned", CodeList: "TRTEST"),
        new("TRORRES", "Result or Finding in Original Units", VariableType.Text, Origin: "Collected"),
        new("TRORRESU", "Original Units", VariableType.Text, Origin: "Assigned", CodeList: "UNIT"),
        new("TRSTRESC", "Character Result/Finding in Std Format", VariableType.Text, Origin: "Derived", Derivation: "TRORRES"),
        new("TRSTRESN", "Numeric Result/Finding in Standard Units", VariableType.Float, Origin: "Derived",
            Derivation: "The diameter in mm; SUMDIAM: the sum of the target diameters (Recist.Evaluate; missing if a target was not evaluated)"),
        new("TRSTRESU", "Standard Units", VariableType.Text, Origin: "Assigned", CodeList: "UNIT"),
        new("TRSTAT", "Completion Status", VariableType.Text, Origin: "Derived", CodeList: "ND", Derivation: "NOT DONE where the diameter was entered as not evaluated"),
        Imaging.For("TR"),
        new("TREVAL", "Evaluator", VariableType.Text, Origin: "Assigned", CodeList: "EVAL"),
        Sdtm.VisitNum with { Key = true }, Sdtm.Visit, Sdtm.Epoch,
        new("TRDTC", "Date/Time of Tumor/Lesion Measurement", VariableType.Text, Origin: "Collected"),
    ];

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects) =>
        Sdtm.Make("TR", "Tumor/Lesion Results", "FINDINGS", Variables, subjects.SelectMany(Records));

    private static IEnumerable<Dictionary<string, object?>> Records(SdtmSubject s)
    {
        if (s.Casebook.Baseline is not { } b || b.AssessmentDate > s.Cutoff) yield break;
        var responses = s.Snapshot.Responses.ToDictionary(r => r.AssessmentId);
        var nodal = b.Targets.ToDictionary(t => t.LesionId, t => t.Nodal);
        Dictionary<string, object?> Record(int visit, string visitName, DateOnly date, string method, string? lesion, string code, string test, decimal? mm)
        {
            var row = s.Row("TR");
            row["TRGRPID"] = "TARGET";
            row["TRLNKID"] = lesion;
            row["TRTESTCD"] = code;
            row["TRTEST"] = test;
            row["TRORRES"] = row["TRSTRESC"] = mm?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            row["TRORRESU"] = row["TRSTRESU"] = mm is null ? null : "mm";
            row["TRSTRESN"] = mm;
            row["TRSTAT"] = mm is null ? "NOT DONE" : null;
            row["TRMETHOD"] = Imaging.Method(method);
            row["TREVAL"] = "INVESTIGATOR";
            row["VISITNUM"] = visit;
            row["VISIT"] = visitName;
            row["EPOCH"] = s.Epoch(date);
            row["TRDTC"] = Sdtm.Dtc(date);
            return row;
        }
        Dictionary<string, object?> Diameter(int visit, string visitName, DateOnly date, string method, string lesion, decimal? mm) =>
            nodal.GetValueOrDefault(lesion)
                ? Record(visit, visitName, date, method, lesion, "SAXIS", "Short Axis", mm)
                : Record(visit, visitName, date, method, lesion, "LDIAM", "Longest Diameter", mm);
        foreach (var t in b.Targets) yield return Diameter(0, "BASELINE", b.AssessmentDate, b.Method, t.LesionId, t.DiameterMm);
        yield return Record(0, "BASELINE", b.AssessmentDate, b.Method, null, "SUMDIAM", "Sum of Diameter", b.Targets.Sum(t => t.DiameterMm));
        foreach (var (number, scan) in Imaging.Visits(s))
        {
            foreach (var (lesion, mm) in scan.TargetDiametersMm.OrderBy(x => x.Key, StringComparer.Ordinal)) yield return Diameter(number, scan.AssessmentId, scan.Date, scan.Method, lesion, mm);
            yield return Record(number, scan.AssessmentId, scan.Date, scan.Method, null, "SUMDIAM", "Sum of Diameter", responses.GetValueOrDefault(scan.AssessmentId)?.SumMm);
        }
    }
}

/// <summary>RS: RECIST 1.1 target, non-target and overall response per follow-up scan, as the product derives them, and the best overall response once per subject.</summary>
internal static class Rs
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("RS"),
        new("RSTESTCD", "Assessment Short Name", VariableType.Text, 8, "Assigned", "ONCRTSCD", Key: true),
        new("RSTEST", "Assessment Name", VariableType.Text, Origin: "Assigned", CodeList: "ONCRTS"),
        new("RSCAT", "Category for Assessment", VariableType.Text, Origin: "Assigned", CodeList: "ONCRSCAT"),
        new("RSORRES", "Result or Finding in Original Units", VariableType.Text, Origin: "Derived", CodeList: "ONCRSR",
            Derivation: "RECIST 1.1 from the entered measurements (Clinical/Recist.cs): TRGRESP from the target sums, NTRGRESP as entered, OVRLRESP combining them with new lesions; BESTRESP under the protocol's confirmation and stable-disease minimum"),
        new("RSSTRESC", "Character Result/Finding in Std Format", VariableType.Text, Origin: "Derived", CodeList: "ONCRSR", Derivation: "RSORRES"),
        new("RSEVAL", "Evaluator", VariableType.Text, Origin: "Assigned", CodeList: "EVAL"),
        Sdtm.VisitNum with { Key = true }, Sdtm.Visit, Sdtm.Epoch,
        new("RSDTC", "Date/Time of Assessment", VariableType.Text, Origin: "Collected", Derivation: null),
    ];

    public static string NonTarget(NonTargetStatus status) => status switch
    {
        NonTargetStatus.CR => "CR",
        NonTargetStatus.NonCRNonPD => "NON-CR/NON-PD",
        NonTargetStatus.PD => "PD",
        _ => "NE",
    };

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects) =>
        Sdtm.Make("RS", "Disease Response and Clin Classification", "FINDINGS", Variables, subjects.SelectMany(Records));

    private static IEnumerable<Dictionary<string, object?>> Records(SdtmSubject s)
    {
        Dictionary<string, object?> Record(string code, string test, string result, int? visit, string? visitName, DateOnly? date)
        {
            var row = s.Row("RS");
            row["RSTESTCD"] = code;
            row["RSTEST"] = test;
            row["RSCAT"] = "RECIST 1.1";
            row["RSORRES"] = row["RSSTRESC"] = result;
            row["RSEVAL"] = "INVESTIGATOR";
            row["VISITNUM"] = visit;
            row["VISIT"] = visitName;
            row["EPOCH"] = date is { } d ? s.Epoch(d) : null;
            row["RSDTC"] = Sdtm.Dtc(date);
            return row;
        }
        var visits = Imaging.Visits(s).ToDictionary(v => v.Scan.AssessmentId, v => v.Number);
        foreach (var r in s.Snapshot.Responses)
        {
            var number = visits[r.AssessmentId];
            yield return Record("TRGRESP", "Target Response", r.Target.ToString(), number, r.AssessmentId, r.Date);
            yield return Record("NTRGRESP", "Non-target Response", NonTarget(r.NonTarget), number, r.AssessmentId, r.Date);
            yield return Record("OVRLRESP", "Overall Response", r.Overall.ToString(), number, r.AssessmentId, r.Date);
        }
        if (s.Snapshot.BestOverallResponse is { } best)
            yield return Record("BESTRESP", "Best Overall Response", best.ToString(), null, null, null);
    }
}

/// <summary>SS: survival status, ALIVE at each follow-up contact and at the last date known alive of a subject lost to follow-up, DEAD at death.</summary>
internal static class Ss
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("SS"),
        new("SSTESTCD", "Status Short Name", VariableType.Text, 8, "Assigned", "SSTESTCD", Key: true),
        new("SSTEST", "Status Name", VariableType.Text, Origin: "Assigned", CodeList: "SSTEST"),
        new("SSORRES", "Result or Finding in Original Units", VariableType.Text, Origin: "Derived", CodeList: "SSTATRS",
            Derivation: "ALIVE at a follow-up contact or the last date known alive of a subject lost to follow-up; DEAD at the recorded death"),
        new("SSSTRESC", "Character Result/Finding in Std Format", VariableType.Text, Origin: "Derived", CodeList: "SSTATRS", Derivation: "SSORRES"),
        Sdtm.Epoch,
        new("SSDTC", "Date/Time of Assessment", VariableType.Text, Origin: "Collected", Key: true),
    ];

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects) =>
        Sdtm.Make("SS", "Subject Status", "FINDINGS", Variables, subjects.SelectMany(s =>
        {
            var c = s.Casebook;
            var statuses = c.Contacts.Select(x => (x.Date, Result: "ALIVE"))
                .Concat(c.LostToFollowUp is { } lost ? [(lost.LastKnownAliveDate, "ALIVE")] : [])
                .Concat(s.Death is { } death ? [(death, "DEAD")] : [])
                .Where(x => x.Item1 <= s.Cutoff);
            return statuses.Select(x =>
            {
                var row = s.Row("SS");
                row["SSTESTCD"] = "SURVSTAT";
                row["SSTEST"] = "Survival Status";
                row["SSORRES"] = row["SSSTRESC"] = x.Result;
                row["EPOCH"] = s.Epoch(x.Item1);
                row["SSDTC"] = Sdtm.Dtc(x.Item1);
                return row;
            });
        }));
}
