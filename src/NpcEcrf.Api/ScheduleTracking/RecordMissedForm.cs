using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.ScheduleTracking;

/// <summary>
/// The site records that a form the schedule expects will not come, and why. Only an expectation of this subject that is
/// not entered can be missed; a form entered later is done all the same (data wins).
/// </summary>
/// <param name="Occurrence">Which occurrence of a repeating visit (1 when left out); for tumour assessments, the k-th expected.</param>
public sealed record RecordMissedForm(string Visit, string Form, string Reason, int? Occurrence = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordMissedForm>
    {
        public Validator()
        {
            RuleFor(c => c.Visit).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Form).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Reason).NotEmpty().WithMessage("Say why the form is missed.").MaximumLength(500);
        }
    }

    public static Decision Decide(SubjectContext s, RecordMissedForm c)
    {
        var occurrence = c.Occurrence ?? 1;
        var schedules = s.Study.Versions.Select(v => v.Definition.ScheduleOrEmpty).ToList();
        var visits = schedules.SelectMany(x => x.Visits).Where(v => Same(v.Name, c.Visit)).ToList();
        var tumour = Same(c.Visit, ScheduleTracker.TumourVisit) && schedules.Any(x => x.TumourAssessmentIntervalDays is not null);
        if (visits.Count == 0 && !tumour) return Rejection.Invalid("visit", $"The schedule has no visit '{c.Visit}'.");
        if (tumour ? !Same(c.Form, ScheduleTracker.TumourForm) : !visits.Any(v => v.Forms.Any(f => Same(f, c.Form))))
            return Rejection.Invalid("form", $"Visit '{c.Visit}' does not expect form '{c.Form}'.");
        if (occurrence < 1) return Rejection.Invalid("occurrence", "Occurrences are counted from 1.");
        if (!tumour && visits.Max(v => v.Repeats ?? 1) is var times && occurrence > times)
            return Rejection.Invalid("occurrence", $"Visit '{c.Visit}' occurs {times} time(s); there is no occurrence {occurrence}.");

        var expected = ScheduleTracker.Expected(s.Casebook, s.Study, s.Today)
            .FirstOrDefault(e => Same(e.Visit, c.Visit) && e.Occurrence == occurrence && Same(e.Form, c.Form));
        if (expected is null)
            return Rejection.Invalid(tumour || visits.Any(v => v.Repeats is not null) ? "occurrence" : "visit",
                ScheduleTracker.EndOf(s.Casebook) is { } end
                    ? $"{c.Form} of visit {c.Visit} ({occurrence}) is not expected of this subject: participation ended on {end:yyyy-MM-dd}."
                    : $"{c.Form} of visit {c.Visit} ({occurrence}) is not expected of this subject under the definition in force on its date.");
        if (expected.Status == ScheduleStatus.Done)
            return Rejection.Invalid("form", $"{expected.Instance} is entered: a form entered is not missed (send a correction to change it).");
        if (expected.Status == ScheduleStatus.NotScheduled)
            return Rejection.Invalid("visit", $"Visit {expected.Visit} is counted from the first dose, which is not recorded yet.");
        return Decision.Accept(new ExpectedFormMissed(expected.Visit, expected.Occurrence, expected.Form, c.Reason.Trim()));
    }

    private static bool Same(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordMissedForm>("/missed-forms", Decide)
        .Operation("recordMissedForm", "Record a form as missed, with the reason", "Schedule tracking");
}
