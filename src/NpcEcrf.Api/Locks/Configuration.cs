using JasperFx.Events.Projections;
using Marten;

namespace NpcEcrf.Api.Locks;

public static class LockConfiguration
{
    public static void ConfigureLocks(this StoreOptions opts)
    {
        opts.Projections.Snapshot<DatabaseLock>(SnapshotLifecycle.Inline);
        opts.Schema.For<DatabaseLock>().Index(l => l.StudyId);
        opts.Schema.For<LockSnapshot>();
    }

    public static void MapLocks(this IEndpointRouteBuilder app)
    {
        LockDatabase.Map(app);
        UnlockDatabase.Map(app);
        ReadLocks.Map(app);
    }
}
