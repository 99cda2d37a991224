namespace NpcEcrf.Api.Screening;

/// <summary>
/// A subject was screened and found not eligible: recorded, never enrolled. <paramref name="FailedCriteria"/> are the
/// criteria the answers fail under <paramref name="DefinitionVersion"/>, the definition in force at the site that day.
/// </summary>
public sealed record ScreenFailureRecorded(string StudyId, string SiteId, string SubjectNumber, DateOnly ScreeningDate,
    Dictionary<string, bool> Eligibility, IReadOnlyList<string> FailedCriteria, string? Reason, int DefinitionVersion);
