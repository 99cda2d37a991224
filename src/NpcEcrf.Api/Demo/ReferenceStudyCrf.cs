using static NpcEcrf.Api.Demo.ReferenceStudy;

namespace NpcEcrf.Api.Demo;

/// <summary>One form entry as a CRA posts it: the path under the subject and the body (version added when sent).</summary>
public sealed record CrfEntry(string Path, object Body);

public sealed record SubjectPlan(string SubjectNumber, string SiteId, DateOnly FirstDose, IReadOnlyList<CrfEntry> Entries);

public enum Detection { EditCheck, Monitor }

/// <summary>A planned entry error: entered wrong, later corrected (with a reason) in answer to a data query.</summary>
public sealed record PlannedError(string SubjectNumber, string Form, string Field, object RightValue, string Reason, Detection Detection, string QueryText);

public sealed record DemoPlan(IReadOnlyList<SubjectPlan> Subjects, IReadOnlyList<PlannedError> Errors, DateOnly InterimCutoff, DateOnly FinalCutoff);

/// <summary>
/// Raw CRF data for the reference study, generated deterministically from <see cref="ReferenceStudy.Patients"/>.
/// Modelling choices (docs/demo.md): everyone starts at 12 mg/day except three patients whose only adverse
/// events were grade 1 (started at 10 mg by physician's choice); the other five 10-mg patients are reduced
/// 12 -> 10 mg for their highest-grade event. Scans every 6 weeks (day 43, 85, ...) until progression, whose
/// scan falls on the twin's PFS day; target lesions T1 (liver if liver metastases, else lung, 16-46 mm) and T2 (a
/// cervical node, short axis 15-26 mm) at baseline, then each patient's own course (<see cref="LesionSizes"/>) read
/// by RECIST as the patient's best response, progressing at the PFS scan.
/// </summary>
public static class ReferenceStudyCrf
{
    private static readonly int[] StartAtTen = [3, 18, 21];

    public static string SubjectNumber(int id) => $"NPC-{id:000}";

    public static DemoPlan Create()
    {
        var subjects = Patients.Select(Subject).ToList();
        var lastFact = subjects.Max(s => LastDate(s));
        // A transcription error that doubles the V2 measurement of a stable patient: the 80%-growth check catches it.
        var v2 = Lesions(Patients.Single(p => p.Id == 20)).Scans[1].DiametersMm[0];
        var errors = new List<PlannedError>
        {
            new(SubjectNumber(20), "tumour-assessment/V2", "targetDiametersMm.T1", v2,
                $"Transcription error: the radiology report says {v2} mm.", Detection.EditCheck, ""),
            new(SubjectNumber(7), "metastatic-sites", "liver", true,
                "Source check: the baseline CT report describes two liver metastases.", Detection.Monitor,
                "The baseline CT report mentions hepatic lesions; please check the liver metastases field."),
            new(SubjectNumber(23), "dose-change/DC1", "adverseEventId", "AE1",
                "The reduction was for the grade 2 hypertension (AE1).", Detection.EditCheck, ""),
        };
        return new DemoPlan(subjects.Select(s => Introduce(s, errors)).ToList(), errors, InterimCutoff, lastFact.AddDays(14));
    }

    /// <summary>Every subject of the case series met the inclusion criteria and none of the exclusions.</summary>
    public static readonly Dictionary<string, bool> Eligible = new() { ["I1"] = true, ["I2"] = true, ["I3"] = true, ["E1"] = false, ["E2"] = false };

    private static DateOnly LastDate(SubjectPlan s) => s.Entries.Select(e => DateOf(e.Body)).Max();

    private static DateOnly DateOf(object body) =>
        body.GetType().GetProperties().Where(p => p.PropertyType == typeof(DateOnly)).Select(p => (DateOnly)p.GetValue(body)!).DefaultIfEmpty(DateOnly.MinValue).Max();

    private static SubjectPlan Subject(Patient p)
    {
        var enrolment = FirstEnrolment.AddDays(EnrolmentSlot(p.Id) * DaysBetweenEnrolments);
        var firstDose = enrolment.AddDays(2);
        DateOnly Day(int day) => firstDose.AddDays(day - 1);
        var entries = new List<CrfEntry>();
        void Add(string path, object body) => entries.Add(new CrfEntry(path, body));

        Add("/demographics", new { sex = p.Id % 4 == 0 ? "F" : "M", yearOfBirth = enrolment.Year - p.Age, ageAtEnrolment = p.Age });
        Add("/ecog", new { assessmentDate = enrolment.AddDays(-2), score = p.Id % 3 == 0 ? 1 : 0 });
        // The NPC baseline items are forms of the study's definition (Demo/Studies/anlo-npc.json), entered through the generic route.
        Add("/forms/disease-status", new { data = new { pattern = Capitalise(p.Pattern), diagnosisDate = enrolment.AddYears(-(1 + p.Id % 3)).AddDays(-p.Id) } });
        var distant = p.Pattern != "recurrent";
        Add("/forms/metastatic-sites", new { data = new { liver = p.LiverMetastases, lung = distant && !p.LiverMetastases, bone = distant && p.Id % 2 == 0, distantLymphNodes = distant && p.Id % 3 == 0 } });
        Add("/forms/prior-therapy", new { data = new { priorSystemicLines = p.PlatinumRefractory ? 2 : 1, platinumRefractory = p.PlatinumRefractory, priorRadiotherapy = p.Pattern != "metastatic" || p.Id % 2 == 0 } });
        var t1Organ = p.LiverMetastases ? "liver" : "lung";
        var lesions = Lesions(p);
        Add("/baseline-lesions", new
        {
            assessmentDate = enrolment.AddDays(-7), method = "CT",
            targets = new object[] { new { lesionId = "T1", organ = t1Organ, nodal = false, diameterMm = lesions.Baseline[0] }, new { lesionId = "T2", organ = "cervical lymph node", nodal = true, diameterMm = lesions.Baseline[1] } },
            nonTargets = new object[] { new { lesionId = "NT1", organ = "nasopharynx", description = "Primary site" } },
        });

        var startDose = StartAtTen.Contains(p.Id) ? 10 : 12;
        Add("/first-dose", new { date = firstDose, dose = startDose });

        // Adverse events: onset in the first cycles; grade-3 events are reported at grade 2 and worsen a week later.
        var adverseEvents = new List<(string Id, int Term, int Grade, DateOnly WorstOn)>();
        for (var term = 0; term < AdverseEventTerms.Length; term++)
        {
            var grade = p.WorstGrades[term];
            if (grade == 0) continue;
            var id = $"AE{adverseEvents.Count + 1}";
            var onset = Day(8 + 3 * term);
            var worstOn = grade >= 3 ? onset.AddDays(7) : onset;
            adverseEvents.Add((id, term, grade, worstOn));
        }
        var reduction = startDose == 12 && p.FinalDose == 10 ? adverseEvents.MaxBy(a => (a.Grade, -a.Term)) : default;
        foreach (var ae in adverseEvents)
        {
            var reduced = reduction.Id == ae.Id;
            Add("/adverse-events", new
            {
                adverseEventId = ae.Id, term = AdverseEventTerms[ae.Term], grade = Math.Min(ae.Grade, 2), onsetDate = Day(8 + 3 * ae.Term),
                serious = ae.Grade >= 3 && AdverseEventTerms[ae.Term] == "Nasal bleeding", relation = "Probable", action = reduced ? "DoseReduced" : "None",
            });
            if (ae.Grade >= 3) Add($"/adverse-events/{ae.Id}/grade-changes", new { date = ae.WorstOn, grade = ae.Grade });
        }
        DateOnly? reducedOn = reduction.Id is null ? null : reduction.WorstOn.AddDays(1);
        if (reducedOn is { } on)
            Add("/dose-changes", new { changeId = "DC1", date = on, toDose = 10, reason = $"Grade {reduction.Grade} {AdverseEventTerms[reduction.Term].ToLowerInvariant()}", adverseEventId = (string?)reduction.Id });

        for (var cycle = 1; cycle <= p.Cycles; cycle++)
        {
            var start = Day(1 + 21 * (cycle - 1));
            var dose = reducedOn is { } r && start >= r ? 10 : startDose;
            Add("/cycles", new { cycleNumber = cycle, startDate = start, dose = dose, tabletsDispensed = 14, tabletsReturned = cycle % 5 == 0 ? 1 : 0 });
        }

        // Tumour assessments every 6 weeks; the last one falls on the PFS day (progression, or the censoring scan).
        var scanDays = ScanDays(p);
        for (var i = 0; i < scanDays.Count; i++)
        {
            var scan = lesions.Scans[i];
            Add("/tumour-assessments", new
            {
                assessmentId = $"V{i + 1}", date = Day(scanDays[i]), method = "CT",
                targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = scan.DiametersMm[0], ["T2"] = scan.DiametersMm[1] }, nonTarget = "NonCRNonPD", newLesions = scan.NewLesions,
            });
        }
        if (p.Progressed) Add("/discontinuation", new { date = Day(p.PfsDays), reason = "Progression", details = (string?)null });

        if (p.Died)
        {
            Add("/contacts", new { date = Day((p.PfsDays + p.OsDays) / 2), method = "phone" });
            Add("/death", new { date = Day(p.OsDays), cause = "Disease progression" });
        }
        else if (p.OsDays > p.PfsDays)
        {
            Add("/contacts", new { date = Day(p.OsDays), method = "phone" });
        }
        return new SubjectPlan(SubjectNumber(p.Id), $"S{p.Site}", firstDose, entries);
    }

    /// <summary>Scans every 6 weeks (PD-best patients have only the one on their PFS day), the last on the PFS day.</summary>
    private static IReadOnlyList<int> ScanDays(Patient p)
    {
        var days = new List<int>();
        if (p.BestResponse != Bor.PD)
            for (var day = 43; day < p.PfsDays - 20; day += 42) days.Add(day);
        days.Add(p.PfsDays);
        return days;
    }

    /// <summary>The patient's target lesions at baseline (T1 in the liver or lung, T2 a cervical node) and at each scan.</summary>
    private static (decimal[] Baseline, IReadOnlyList<LesionScan> Scans) Lesions(Patient p)
    {
        decimal[] baseline = [LesionSizes.Baseline(p.Id * 7 + 1, 16, 46), LesionSizes.Baseline(p.Id * 7 + 2, 15, 26)];
        var course = p.BestResponse switch { Bor.PR => LesionSizes.Course.PartialResponse, Bor.SD => LesionSizes.Course.StableDisease, _ => LesionSizes.Course.Progression };
        return (baseline, LesionSizes.Scans(baseline, [false, true], course, ScanDays(p).Count, p.Progressed, p.Id));
    }

    /// <summary>Writes each planned error's wrong value into the entry a CRA would first make.</summary>
    private static SubjectPlan Introduce(SubjectPlan s, IReadOnlyList<PlannedError> errors)
    {
        if (errors.All(e => e.SubjectNumber != s.SubjectNumber)) return s;
        var entries = s.Entries.Select(entry => errors.Where(e => e.SubjectNumber == s.SubjectNumber).Aggregate(entry, Wrong)).ToList();
        return s with { Entries = entries };
    }

    private static CrfEntry Wrong(CrfEntry entry, PlannedError error) => (error.Form, entry.Path, entry.Body) switch
    {
        ("tumour-assessment/V2", "/tumour-assessments", var b) when Prop<string>(b, "assessmentId") == "V2" =>
            entry with { Body = With(b, "targetDiametersMm", new Dictionary<string, decimal?> { ["T1"] = 2 * (decimal)error.RightValue, ["T2"] = Prop<Dictionary<string, decimal?>>(b, "targetDiametersMm")["T2"] }) },
        ("metastatic-sites", "/forms/metastatic-sites", var b) => entry with { Body = With(b, "data", With(Prop<object>(b, "data"), "liver", false)) },
        ("dose-change/DC1", "/dose-changes", var b) => entry with { Body = With(b, "adverseEventId", null) },
        _ => entry,
    };

    private static T Prop<T>(object body, string name) => (T)body.GetType().GetProperty(name)!.GetValue(body)!;

    private static Dictionary<string, object?> With(object body, string name, object? value)
    {
        var copy = body.GetType().GetProperties().ToDictionary(p => p.Name, p => p.GetValue(body));
        copy[name] = value;
        return copy;
    }

    private static string Capitalise(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
