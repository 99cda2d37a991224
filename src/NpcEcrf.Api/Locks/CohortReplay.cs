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
    public static async Task<ReplayedCohort?> Cohort(IQuerySession session, string studyId, long highWaterMark, CancellationToken ct) =>
        await Replay(session, studyId, highWaterMark, null, _ => true, ct) is { Study: { } study } replayed
            ? new ReplayedCohort(study, replayed.Casebooks, replayed.Queries)
            : null;

    /// <summary>
    /// Reads only the study's own streams (<see cref="StoredEvents.StudyStreams"/>) and folds each as it arrives: memory
    /// holds the study's casebooks and queries, never its event list, and no other study's event is read. Casebooks and
    /// queries come in the order their streams began (by first sequence number), as a replay of the whole store gave them.
    /// </summary>
    /// <param name="canSeeSite">Which sites' casebooks to keep (a reader's sites).</param>
    public static async Task<ReplayedStudy> Replay(IQuerySession session, string studyId, long? upToSequence, DateTimeOffset? upToTime,
        Func<string, bool> canSeeSite, CancellationToken ct)
    {
        Study? study = null;
        var casebooks = new List<(long Began, Casebook Casebook)>();
        var queries = new List<(long Began, DataQuery Query)>();
        await foreach (var stream in StoredEvents.StudyStreams(session, studyId, upToSequence, upToTime, ct))
        {
            var first = stream[0];
            if (first is IEvent<StudyCreated> created && created.Data.StudyId == studyId)
                study = stream.Skip(1).Aggregate(Study.Create(created), (acc, e) => e switch
                {
                    { Data: SiteAdded added } => acc.Apply(added),
                    IEvent<StudyDefinitionVersioned> versioned => acc.Apply(versioned),
                    _ => acc,
                });
            else if (CasebookEvolution.Opening(first.Data) is { } opening && opening.StudyId == studyId && canSeeSite(opening.SiteId))
                casebooks.Add((first.Sequence, CasebookEvolution.Build(stream)!));
            else if (first is IEvent<DataQueryRaised> raised && raised.Data.StudyId == studyId)
                queries.Add((first.Sequence, stream.Skip(1).Aggregate(DataQuery.Create(raised), (q, e) => q.Replay(e))));
        }
        return new ReplayedStudy(study, [.. casebooks.OrderBy(c => c.Began).Select(c => c.Casebook)], [.. queries.OrderBy(q => q.Began).Select(q => q.Query)]);
    }
}

/// <summary>What a replay to a high-water mark rebuilds: the study, and its casebooks and data queries.</summary>
public sealed record ReplayedCohort(Study Study, IReadOnlyList<Casebook> Casebooks, IReadOnlyList<DataQuery> Queries);

/// <summary>A study's streams replayed (the study is null if it did not exist by then).</summary>
public sealed record ReplayedStudy(Study? Study, IReadOnlyList<Casebook> Casebooks, IReadOnlyList<DataQuery> Queries);
