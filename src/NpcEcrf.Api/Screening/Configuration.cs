using JasperFx.Events.Projections;
using Marten;

namespace NpcEcrf.Api.Screening;

public static class ScreeningConfiguration
{
    public static void ConfigureScreening(this StoreOptions opts) => opts.Projections.Snapshot<ScreenFailure>(SnapshotLifecycle.Inline);

    public static void MapScreening(this IEndpointRouteBuilder app)
    {
        RecordScreenFailure.Map(app);
        ReadScreenFailures.Map(app);
    }
}
