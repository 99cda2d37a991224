using JasperFx.Events.Projections;
using Marten;

namespace NpcEcrf.Api.DataQueries;

public static class DataQueryConfiguration
{
    public static void ConfigureDataQueries(this StoreOptions opts)
    {
        opts.Projections.Snapshot<DataQuery>(SnapshotLifecycle.Inline);
        opts.Schema.For<DataQuery>().Index(q => q.StudyId).Index(q => q.SiteId).Index(q => q.SubjectNumber);
    }

    public static void MapDataQueries(this IEndpointRouteBuilder app)
    {
        RaiseDataQuery.Map(app);
        AnswerDataQuery.Map(app);
        CloseDataQuery.Map(app);
        CancelDataQuery.Map(app);
        ReopenDataQuery.Map(app);
        ReadDataQueries.Map(app);
    }
}
