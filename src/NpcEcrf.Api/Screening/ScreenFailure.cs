using JasperFx.Events;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Screening;

/// <summary>A screen failure as recorded: its own stream, one per subject number of a study.</summary>
public sealed record ScreenFailure(Guid Id, string StudyId, string SiteId, string SubjectNumber, DateOnly ScreeningDate,
    Dictionary<string, bool> Eligibility, IReadOnlyList<string> FailedCriteria, string? Reason, int DefinitionVersion,
    string? RecordedBy, DateTimeOffset RecordedAt, long Version)
{
    public static ScreenFailure Create(IEvent<ScreenFailureRecorded> e) => new(e.StreamId, e.Data.StudyId, e.Data.SiteId, e.Data.SubjectNumber,
        e.Data.ScreeningDate, e.Data.Eligibility, e.Data.FailedCriteria, e.Data.Reason, e.Data.DefinitionVersion, e.UserName, Casebooks.EventMeta.AsStored(e.Timestamp), e.Version);

    public static Guid IdFor(string studyId, string subjectNumber) => StableIds.For("screen-failure", studyId, subjectNumber);
}
