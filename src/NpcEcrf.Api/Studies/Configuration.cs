using JasperFx.Events.Projections;
using Marten;

namespace NpcEcrf.Api.Studies;

public static class StudyConfiguration
{
    public static void ConfigureStudies(this StoreOptions opts) => opts.Projections.Snapshot<Study>(SnapshotLifecycle.Inline);

    public static void MapStudies(this IEndpointRouteBuilder app)
    {
        CreateStudy.Map(app);
        AddSite.Map(app);
        ReviseStudyDefinition.Map(app);
        ListStudies.Map(app);
        ReadStudyDefinition.Map(app);
        ReadStudyHistory.Map(app);
        ImportStudyOdm.Map(app);
        ExportDefinitionOdm.Map(app);
        app.MapGet("/studies/{studyId}", async (string studyId, IQuerySession session, CancellationToken ct) =>
                await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is { } s ? Results.Ok(s) : Infrastructure.Problems.NotFound($"Study '{studyId}'"))
            .Produces<Study>().Refuses(404).Operation("getStudy", "Read a study: its definitions, versions and sites", "Studies");
    }
}
