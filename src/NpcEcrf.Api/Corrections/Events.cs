namespace NpcEcrf.Api.Corrections;

/// <summary>
/// One data point changed after entry. The value lives in the form's own event; this event records the
/// change (old and new as JSON) and why, and the casebook applies it on replay. Never an update in place.
/// </summary>
public sealed record DataPointCorrected(string Form, string Field, string OldValue, string NewValue, string Reason);
