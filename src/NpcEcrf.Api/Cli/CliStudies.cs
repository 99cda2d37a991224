using Marten;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Cli;

/// <summary>
/// Where a verb on a study's data reads and writes: with a database per study (docs/scaling.md), the study's own database,
/// the tenant the web host routes that study's requests to (<see cref="StudyRouting.PlacedTenant"/>); in the default mode
/// the one database. Every such verb opens its session here, so each verb has one code path for both modes.
/// </summary>
public static class CliStudies
{
    /// <summary>
    /// The tenant whose sessions hold the study the verb names. With a database per study a study that is not placed is an
    /// error naming `study place`, and a verb that names no study is refused with <paramref name="needed"/> (how to name one),
    /// unless that is null: the verb then works on the global tenant (accounts) or across the studies itself.
    /// </summary>
    public static async Task<string> TenantAsync(IDocumentStore store, string? studyId, string? needed)
    {
        if (studyId is not null) return await StudyRouting.PlacedTenant(store, studyId) ?? throw new CommandLineError(NotPlaced(studyId));
        if (needed is not null && store.Options.Tenancy is StudyTenancy) throw new CommandLineError($"With a database per study, {needed}");
        return JasperFx.StorageConstants.DefaultTenantId;
    }

    public static string NotPlaced(string studyId) =>
        $"Study '{studyId}' is not placed on a database server: ./npc-ecrf study place {studyId} --server NAME (docs/scaling.md).";

    /// <summary>
    /// Runs work on a study's database. Its server not answering is said as the web host's 503 says it, naming the study,
    /// and exits <see cref="CliOutcomes.Unavailable"/> (CommandLine maps the error).
    /// </summary>
    public static async Task<T> On<T>(string tenant, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (tenant != JasperFx.StorageConstants.DefaultTenantId && CliOutcomes.Unreachable(e) is { } why)
        {
            throw new StudyUnavailableError(Unavailable(tenant, why), e);
        }
    }

    public static string Unavailable(string studyId, string why) => $"Study '{studyId}': {why}";

    /// <summary>What a verb that finds a lock by name or id says when, with a database per study, it names no study.</summary>
    public const string LockNeedsStudy = "a lock is found in its study's database: give --study ID.";

    /// <summary>A lock by name or id; with <paramref name="studyId"/>, it must be that study's (in one database, locks of every study are found).</summary>
    public static async Task<Locks.DatabaseLock> LockAsync(IQuerySession session, string reference, string? studyId, CancellationToken ct)
    {
        var found = await Locks.ReadLocks.Find(session, reference, ct) ?? throw new CommandLineError($"No lock '{reference}'{(studyId is null ? "" : $" in study {studyId}")}.");
        if (studyId is not null && !Studies.StableIds.Same(studyId, found.StudyId)) throw new CommandLineError($"Lock '{found.Name}' is of study {found.StudyId}, not {studyId}.");
        return found;
    }

    /// <summary>
    /// The installation, its store, and a session of the study's tenant as the operator (events written name them): the one
    /// way a verb on a study's data opens it. <paramref name="needed"/> as for <see cref="TenantAsync"/>.
    /// </summary>
    public static async Task<int> WithSession(string? dataDir, string? studyId, string? needed, CancellationToken ct, Func<IDocumentSession, Task<int>> work)
    {
        await using var installation = await Installation.OpenAsync(dataDir, ct);
        await using var store = await UserCommands.OpenStoreAsync(installation, ct);
        var tenant = await TenantAsync(store, studyId, needed);
        return await On(tenant, async () =>
        {
            await using var session = store.LightweightSession(tenant);
            session.LastModifiedBy = UserCommands.OperatorName();
            return await work(session);
        });
    }
}
