namespace NpcEcrf.Api.ScheduleTracking;

/// <summary>
/// The site says an expected form will not come, and why (the subject did not attend, the scanner was down). Recording
/// it again for the same visit, occurrence and form replaces the reason; the history keeps both.
/// </summary>
public sealed record ExpectedFormMissed(string Visit, int Occurrence, string Form, string Reason);

/// <summary>A missed form as the casebook keeps it: which expectation, why, who said so and at which version.</summary>
public sealed record MissedForm(string Visit, int Occurrence, string Form, string Reason, long Version, string? User, DateTimeOffset RecordedAt)
{
    public bool Is(string visit, int occurrence, string form) =>
        Occurrence == occurrence && string.Equals(Visit, visit, StringComparison.OrdinalIgnoreCase) && string.Equals(Form, form, StringComparison.OrdinalIgnoreCase);
}
