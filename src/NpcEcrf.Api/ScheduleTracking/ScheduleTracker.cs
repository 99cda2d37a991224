using System.Globalization;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.ScheduleTracking;

public static class ScheduleStatus
{
    /// <summary>The form instance that fulfils the expectation is entered (whatever its date, and even after it was recorded missed).</summary>
    public const string Done = "done";
    /// <summary>The window is open today and nothing is entered.</summary>
    public const string Due = "due";
    /// <summary>The window closed and nothing is entered or recorded missed.</summary>
    public const string Overdue = "overdue";
    /// <summary>The site recorded that the form will not come, with a reason.</summary>
    public const string Missed = "missed";
    /// <summary>The window is not open yet.</summary>
    public const string Upcoming = "upcoming";
    /// <summary>Counted from the first dose, which is not recorded yet: no dates.</summary>
    public const string NotScheduled = "not scheduled";
}

/// <summary>
/// One form the schedule expects of a subject: the visit and its occurrence, the form and the key of the instance that
/// fulfils it (null for forms entered once, and for tumour assessments, which are matched by date), the target date and
/// window, the definition version the expectation falls under, its status, the instance that fulfils it, and the reason
/// it was missed.
/// </summary>
public sealed record ExpectedForm(string Visit, int Occurrence, string Form, string? Key, DateOnly? TargetDate, DateOnly? EarliestDate, DateOnly? LatestDate,
    int DefinitionVersion, string Status, string? Instance = null, string? MissedReason = null);

public sealed record ScheduleCounts(int Done, int Due, int Overdue, int Missed, int Upcoming, int NotScheduled)
{
    public static ScheduleCounts Of(IReadOnlyCollection<ExpectedForm> forms)
    {
        int Count(string status) => forms.Count(f => f.Status == status);
        return new(Count(ScheduleStatus.Done), Count(ScheduleStatus.Due), Count(ScheduleStatus.Overdue), Count(ScheduleStatus.Missed),
            Count(ScheduleStatus.Upcoming), Count(ScheduleStatus.NotScheduled));
    }

    public static ScheduleCounts Sum(IEnumerable<ScheduleCounts> counts) => counts.Aggregate(new ScheduleCounts(0, 0, 0, 0, 0, 0), (a, b) =>
        new(a.Done + b.Done, a.Due + b.Due, a.Overdue + b.Overdue, a.Missed + b.Missed, a.Upcoming + b.Upcoming, a.NotScheduled + b.NotScheduled));
}

/// <summary>
/// What the study's schedule expects of one subject, and how far the casebook meets it (docs/architecture.md,
/// "Schedule tracking"). Pure: the casebook, the study's definition versions and the site's today.
/// </summary>
public static class ScheduleTracker
{
    /// <summary>The visit name under which the tumour assessments of the schedule's interval are expected (and recorded missed).</summary>
    public const string TumourVisit = "tumour-assessments";
    public const string TumourForm = "tumour-assessment";

    /// <summary>Repeating forms the product numbers itself (cycles by cycle number, contacts in entry order): occurrence n is instance n.</summary>
    private static readonly string[] Numbered = ["cycle", "contact"];

    private sealed record Window(DateOnly Target, DateOnly Earliest, DateOnly Latest);

    private sealed record Slot(string Visit, int Occurrence, string Form, string? Key, Window? Window, int Version);

    public static IReadOnlyList<ExpectedForm> Expected(Casebook c, Study study, DateOnly today)
    {
        if (study.Versions.Count == 0) return [];
        var firstDose = c.FirstDose?.Date;
        var slots = VisitSlots(study, c.Enrolment.EnrolmentDate, firstDose, today).Concat(TumourSlots(study, firstDose, today)).ToList();
        var scans = MatchScans(c, slots);
        var end = EndOf(c);
        return slots.Select(s => Judge(c, s, s.Form == TumourForm ? (scans.TryGetValue(s, out var scan) ? scan : null) : Instance(c, s), today))
            // After the end of participation nothing more is expected, unless it was entered anyway (data wins).
            .Where(e => e.Status == ScheduleStatus.Done || end is not { } last || e.TargetDate is { } target && target <= last)
            .OrderBy(e => e.TargetDate ?? DateOnly.MaxValue)
            .ToList();
    }

    /// <summary>The day participation ended: treatment discontinued, death, or the last day a subject lost to follow-up was known alive (the earliest).</summary>
    public static DateOnly? EndOf(Casebook c) =>
        new[] { c.Discontinuation?.Date, c.Death?.Date, c.LostToFollowUp?.LastKnownAliveDate }.Where(d => d.HasValue).Min();

    /// <summary>
    /// Every occurrence of every visit, each under the definition version in force on its target date (a visit counted
    /// from a first dose not yet given: under the version in force today). Retired forms are not expected.
    /// </summary>
    private static IEnumerable<Slot> VisitSlots(Study study, DateOnly enrolment, DateOnly? firstDose, DateOnly today)
    {
        var inForceToday = study.VersionOn(today).Version;
        foreach (var version in study.Versions)
        {
            var forms = FormSet.Of(version.Definition);
            foreach (var visit in version.Definition.ScheduleOrEmpty.Visits)
            {
                var anchor = visit.Anchor == Anchors.FirstDose ? firstDose : enrolment;
                for (var occurrence = 1; occurrence <= (visit.Repeats ?? 1); occurrence++)
                {
                    var shift = (occurrence - 1) * (visit.RepeatEveryDays ?? 0);
                    var window = anchor is { } a ? new Window(Day(a, visit.TargetDay + shift), Day(a, visit.EarliestDay + shift), Day(a, visit.LatestDay + shift)) : null;
                    if ((window is null ? inForceToday : study.VersionOn(window.Target).Version) != version.Version) continue;
                    foreach (var name in visit.Forms)
                    {
                        if (forms.Find(name) is not { } form || form is StudyFormDefinition { Form.Retired: true }) continue;
                        yield return new Slot(visit.Name, occurrence, form.Name, KeyOf(form, visit, occurrence), window, version.Version);
                    }
                }
            }
        }
    }

    /// <summary>Day 1 is the anchor's date, day 0 the day before.</summary>
    private static DateOnly Day(DateOnly anchor, int day) => anchor.AddDays(day - 1);

    /// <summary>
    /// The key of the instance that fulfils an expectation: none for a form entered once; the number for cycles and
    /// contacts; otherwise the visit's name followed by the occurrence ("W3"), or the name alone for a visit that does not
    /// repeat ("EOT"). Tumour assessments are matched by date instead.
    /// </summary>
    private static string? KeyOf(FormDefinition form, Visit visit, int occurrence) =>
        !form.Repeating || form.Name == TumourForm ? null
        : Numbered.Contains(form.Name) ? occurrence.ToString(CultureInfo.InvariantCulture)
        : visit.Repeats is null ? visit.Name
        : $"{visit.Name}{occurrence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Tumour assessments every interval from the first dose: the k-th on day k x interval + 1, its window half an interval
    /// either side, so consecutive windows meet; each under the version in force on its target date. Listed up to the first
    /// whose window is not open yet; one, not scheduled, before the first dose.
    /// </summary>
    private static IEnumerable<Slot> TumourSlots(Study study, DateOnly? firstDose, DateOnly today)
    {
        if (firstDose is not { } first)
        {
            var now = study.VersionOn(today);
            return now.Definition.ScheduleOrEmpty.TumourAssessmentIntervalDays is null ? [] : [new Slot(TumourVisit, 1, TumourForm, null, null, now.Version)];
        }
        var windows = new List<(Window Window, int Version)>();
        foreach (var version in study.Versions)
        {
            if (version.Definition.ScheduleOrEmpty.TumourAssessmentIntervalDays is not (> 0 and var interval)) continue;
            for (var k = 1; ; k++)
            {
                var target = first.AddDays(k * interval);
                var window = new Window(target, target.AddDays(-(interval / 2)), target.AddDays((interval - 1) / 2));
                if (study.VersionOn(target).Version == version.Version) windows.Add((window, version.Version));
                if (window.Earliest > today) break;
            }
        }
        var ordered = windows.OrderBy(w => w.Window.Target).ToList();
        var next = ordered.FindIndex(w => w.Window.Earliest > today);
        return ordered.Take(next < 0 ? ordered.Count : next + 1).Select((w, i) => new Slot(TumourVisit, i + 1, TumourForm, null, w.Window, w.Version));
    }

    /// <summary>
    /// Tumour assessments fulfil tumour-assessment expectations in date order: each scan, earliest first, the first
    /// expectation not yet fulfilled whose window had opened by the scan's date, preferring one not recorded missed (the
    /// scan of week 12 after a missed week 6 is week 12's). A scan before any window opens is unscheduled.
    /// </summary>
    private static Dictionary<Slot, FormRef> MatchScans(Casebook c, IReadOnlyList<Slot> slots)
    {
        var open = slots.Where(s => s.Form == TumourForm && s.Window is not null).OrderBy(s => s.Window!.Target).ToList();
        var matched = new Dictionary<Slot, FormRef>();
        foreach (var (form, scan) in c.Instances<TumourAssessed>().OrderBy(i => i.Value.Date))
        {
            var candidates = open.Where(s => s.Window!.Earliest <= scan.Date).ToList();
            if ((candidates.FirstOrDefault(s => MissedOf(c, s) is null) ?? candidates.FirstOrDefault()) is not { } slot) continue;
            matched[slot] = form;
            open.Remove(slot);
        }
        return matched;
    }

    private static FormRef? Instance(Casebook c, Slot s) => c.Forms.FirstOrDefault(f =>
        string.Equals(f.Form.Name, s.Form, StringComparison.OrdinalIgnoreCase) && string.Equals(f.Form.Key, s.Key, StringComparison.OrdinalIgnoreCase))?.Form;

    private static MissedForm? MissedOf(Casebook c, Slot s) => c.MissedForms.FirstOrDefault(m => m.Is(s.Visit, s.Occurrence, s.Form));

    private static ExpectedForm Judge(Casebook c, Slot s, FormRef? instance, DateOnly today)
    {
        var missed = MissedOf(c, s);
        var status = instance is not null ? ScheduleStatus.Done
            : s.Window is not { } w ? ScheduleStatus.NotScheduled
            : missed is not null ? ScheduleStatus.Missed
            : today < w.Earliest ? ScheduleStatus.Upcoming
            : today <= w.Latest ? ScheduleStatus.Due
            : ScheduleStatus.Overdue;
        return new ExpectedForm(s.Visit, s.Occurrence, s.Form, s.Key, s.Window?.Target, s.Window?.Earliest, s.Window?.Latest, s.Version, status,
            instance?.ToString(), status == ScheduleStatus.Missed ? missed!.Reason : null);
    }
}
