using JasperFx.Events;
using Marten;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Locks;

/// <summary>Rebuilds a study's cohort from the events up to a high-water mark: the same path for locking, verifying and as-of analysis.</summary>
public static class CohortReplay
{
    public static async Task<long> HighWaterMark(IQuerySession session, DateTimeOffset? asOf, CancellationToken ct)
    {
        IQueryable<IEvent> query = session.Events.QueryAllRawEvents();
        if (asOf?.ToUniversalTime() is { } at) query = query.Where(e => e.Timestamp <= at); // timestamptz takes UTC only
        var latest = await query.OrderByDescending(e => e.Sequence).Take(1).ToListAsync(ct);
        return latest.Count == 0 ? 0 : latest[0].Sequence;
    }

    public static async Task<CohortSnapshot?> Snapshot(IQuerySession session, string studyId, DateOnly cutoff, long highWaterMark, CancellationToken ct) =>
        await Cohort(session, studyId, highWaterMark, ct) is { } cohort
            ? CohortSnapshot.Build(cohort.Study, cohort.Casebooks, cohort.Queries, cutoff, highWaterMark)
            : null;

    /// <summary>The study, its casebooks and its data queries as the events up to the high-water mark left them (null if the study did not exist yet).</summary>
    public static async Task<ReplayedCohort?> Cohort(IQuerySession session, string studyId, long highWaterMark, CancellationToken ct)
    {
        var events = await StoredEvents.Read(session, highWaterMark, null, ct);
        var streams = events.GroupBy(e => e.StreamId).Select(g => g.OrderBy(e => e.Version).ToList()).ToList();
        var study = streams.Where(s => s[0] is IEvent<StudyCreated> created && created.Data.StudyId == studyId)
            .Select(s => s.Skip(1).Aggregate(Study.Create((IEvent<StudyCreated>)s[0]), (acc, e) => e switch
            {
                { Data: SiteAdded added } => acc.Apply(added),
                IEvent<StudyDefinitionVersioned> versioned => acc.Apply(versioned),
                _ => acc,
            }))
            .FirstOrDefault();
        if (study is null) return null;
        var casebooks = streams.Where(s => CasebookEvolution.Opening(s[0].Data)?.StudyId == study.StudyId)
            .Select(s => CasebookEvolution.Build(s)!).ToList();
        var queries = streams.Where(s => s[0] is IEvent<DataQueryRaised> raised && raised.Data.StudyId == study.StudyId)
            .Select(s => s.Skip(1).Aggregate(DataQuery.Create((IEvent<DataQueryRaised>)s[0]), (q, e) => q.Replay(e))).ToList();
        return new ReplayedCohort(study, casebooks, queries);
    }
}

/// <summary>What a replay to a high-water mark rebuilds: the study, and its casebooks and data queries.</summary>
public sealed record ReplayedCohort(Study Study, IReadOnlyList<Casebook> Casebooks, IReadOnlyList<DataQuery> Queries);
