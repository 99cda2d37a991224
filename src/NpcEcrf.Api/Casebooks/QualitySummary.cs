using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;

namespace NpcEcrf.Api.Casebooks;

/// <summary>A monitor's overview of one casebook's data quality: corrections, flags, verifications, signatures.</summary>
public sealed record QualitySummary(
    Guid Id, string StudyId, string SiteId, string SubjectNumber, int Corrections, int FlagsRaised, int FlagsCleared,
    int Verifications, int VerificationsRevoked, int Signatures, DateTimeOffset LastChange);

/// <summary>
/// Asynchronous on purpose: a review overview may trail the casebook by a moment, and building it off the write
/// path keeps data entry fast. It runs under Wolverine's managed event-subscription distribution.
/// </summary>
public sealed partial class QualitySummaryProjection : SingleStreamProjection<QualitySummary, Guid>
{
    public static QualitySummary Create(IEvent<SubjectEnrolled> e) =>
        new(e.StreamId, e.Data.StudyId, e.Data.SiteId, e.Data.SubjectNumber, 0, 0, 0, 0, 0, 0, e.Timestamp);

    public static QualitySummary Create(IEvent<OdmImport.SubjectImported> e) =>
        new(e.StreamId, e.Data.StudyId, e.Data.SiteId, e.Data.SubjectNumber, 0, 0, 0, 0, 0, 0, e.Timestamp);

    public static QualitySummary Apply(IEvent<DataPointCorrected> e, QualitySummary s) => s with { Corrections = s.Corrections + 1, LastChange = e.Timestamp };
    public static QualitySummary Apply(IEvent<EditCheckFlagged> e, QualitySummary s) => s with { FlagsRaised = s.FlagsRaised + 1, LastChange = e.Timestamp };
    public static QualitySummary Apply(IEvent<EditCheckCleared> e, QualitySummary s) => s with { FlagsCleared = s.FlagsCleared + 1, LastChange = e.Timestamp };
    public static QualitySummary Apply(IEvent<SourceDataVerified> e, QualitySummary s) => s with { Verifications = s.Verifications + 1, LastChange = e.Timestamp };
    public static QualitySummary Apply(IEvent<SourceDataVerificationRevoked> e, QualitySummary s) => s with { VerificationsRevoked = s.VerificationsRevoked + 1, LastChange = e.Timestamp };
    public static QualitySummary Apply(IEvent<CasebookSigned> e, QualitySummary s) => s with { Signatures = s.Signatures + 1, LastChange = e.Timestamp };

    public static void Configure(StoreOptions opts) => opts.Projections.Add<QualitySummaryProjection>(ProjectionLifecycle.Async);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/quality-summary", async (string studyId, HttpContext http, IQuerySession session) =>
        {
            var actor = Actor.From(http.User);
            var rows = await session.Query<QualitySummary>().Where(q => q.StudyId == studyId).ToListAsync(http.RequestAborted);
            return Results.Json(rows.Where(r => ReadCasebooks.CanRead(actor, r.StudyId, r.SiteId)).OrderBy(r => r.SiteId).ThenBy(r => r.SubjectNumber, StringComparer.Ordinal), CasebookJson.Options);
        })
        .Produces<QualitySummary[]>()
        .Operation("getQualitySummary", "Read a study's data quality summary per subject", "Casebooks");
}
