using System.Buffers;
using System.Threading.Channels;
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

    /// <summary>
    /// What <see cref="CohortSnapshot.Build"/> makes of <see cref="Cohort"/>, built casebook by casebook as the study's streams
    /// arrive (<see cref="FoldSubjects"/>): memory holds the subjects' snapshots, never the casebooks or their events.
    /// Null if the study did not exist by the high-water mark.
    /// </summary>
    public static async Task<CohortSnapshot?> Snapshot(IQuerySession session, string studyId, DateOnly cutoff, long highWaterMark, CancellationToken ct)
    {
        var subjects = new List<(long Began, SubjectSnapshot Subject)>();
        if (await FoldSubjects(session, studyId, cutoff, highWaterMark, (subject, began) => subjects.Add((began, subject)), ct) is not { } header) return null;
        return header.Snapshot with { Subjects = [.. subjects.OrderBy(s => s.Subject.SubjectNumber, StringComparer.Ordinal).ThenBy(s => s.Began).Select(s => s.Subject)] };
    }

    /// <summary>
    /// A lock's snapshot as its canonical JSON, written to <paramref name="output"/> without ever holding it: each subject's
    /// canonical JSON goes to a temporary file as its casebook arrives, and is read back in subject order. Memory holds a
    /// few numbers per subject. Null if the study did not exist by the high-water mark.
    /// </summary>
    public static async Task<SnapshotHeader?> Freeze(IQuerySession session, string studyId, DateOnly cutoff, long highWaterMark, IBufferWriter<byte> output, CancellationToken ct)
    {
        using var spill = new SubjectSpill();
        var header = await FoldSubjects(session, studyId, cutoff, highWaterMark, spill.Add, ct);
        if (header is not { } frozen) return null;
        frozen.Snapshot.WriteCanonical(output, spill.InSubjectOrder());
        return frozen;
    }

    /// <summary>
    /// Folds the study's streams up to the high-water mark and hands each enrolled subject's snapshot at the cut-off to
    /// <paramref name="subject"/> as its casebook arrives (in no particular order), with the sequence number its stream began
    /// at. The study and its data queries come first (<see cref="StoredEvents.StudyStreams"/>), so each subject's snapshot is
    /// whole when it is made. Returns the snapshot without its subjects, and the casebooks without an enrolment form.
    /// </summary>
    private static async Task<SnapshotHeader?> FoldSubjects(IQuerySession session, string studyId, DateOnly cutoff, long highWaterMark,
        Action<SubjectSnapshot, long> subject, CancellationToken ct)
    {
        Study? study = null;
        DefinitionVersion? version = null;
        var withoutEnrolment = new List<string>();
        var openQueries = new Dictionary<string, int>(StringComparer.Ordinal);
        var casebooksBegun = false;
        await FoldEach(session, studyId, highWaterMark, null, _ => true, (folded, began) =>
        {
            switch (folded)
            {
                case Study s:
                    (study, version) = (s, s.VersionOn(cutoff));
                    break;
                case Casebook c when study is not null && c.StudyId == study.StudyId:
                    casebooksBegun = true;
                    if (!c.Enrolled) withoutEnrolment.Add(c.SubjectNumber);
                    else if (c.Enrolment.EnrolmentDate <= cutoff)
                        subject(CohortSnapshot.Subject(c, version!.Definition, cutoff, openQueries.GetValueOrDefault(c.SubjectNumber)), began);
                    break;
                case DataQuery q:
                    // Never expected (the queries' streams are read first), but a count made too late would be a wrong snapshot.
                    if (casebooksBegun) throw new InvalidOperationException($"Data query {q.Id} was read after the casebooks; the snapshot's open queries would be wrong.");
                    if (q.IsOpen) openQueries[q.SubjectNumber] = openQueries.GetValueOrDefault(q.SubjectNumber) + 1;
                    break;
            }
        }, ct);
        return study is null ? null
            : new SnapshotHeader(new CohortSnapshot(study.StudyId, cutoff, highWaterMark, study.Sites, [], version!.Version, version.Definition),
                [.. withoutEnrolment.Order(StringComparer.Ordinal)]);
    }

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
        await FoldEach(session, studyId, upToSequence, upToTime, canSeeSite, (folded, began) =>
        {
            switch (folded)
            {
                case Study s: study = s; break;
                case Casebook c: casebooks.Add((began, c)); break;
                case DataQuery q: queries.Add((began, q)); break;
            }
        }, ct);
        return new ReplayedStudy(study, [.. casebooks.OrderBy(c => c.Began).Select(c => c.Casebook)], [.. queries.OrderBy(q => q.Began).Select(q => q.Query)]);
    }

    /// <summary>
    /// Hands each of the study's streams, folded (<see cref="Fold"/>), to <paramref name="use"/> with the sequence number it
    /// began at, in the order they arrive, one at a time. The read and its deserialising run on another thread, a bounded
    /// number of streams ahead, so reading and folding share two cores.
    /// </summary>
    private static async Task FoldEach(IQuerySession session, string studyId, long? upToSequence, DateTimeOffset? upToTime, Func<string, bool> canSeeSite,
        Action<object, long> use, CancellationToken ct)
    {
        var streams = Channel.CreateBounded<IReadOnlyList<IEvent>>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var stream in StoredEvents.StudyStreams(session, studyId, upToSequence, upToTime, stop.Token))
                    await streams.Writer.WriteAsync(stream, stop.Token);
                streams.Writer.Complete();
            }
            catch (Exception e)
            {
                streams.Writer.Complete(e); // raised to the folding side, where the caller awaits
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var stream in streams.Reader.ReadAllAsync(ct))
                if (Fold(stream, studyId, canSeeSite) is { } folded) use(folded, stream[0].Sequence);
        }
        finally
        {
            // A fold that failed stops the read too, rather than leave it reading for nobody.
            stop.Cancel();
            await reading;
        }
    }

    /// <summary>One of the study's streams folded: its study, a casebook of a site the reader sees, or a data query (null for anything else).</summary>
    private static object? Fold(IReadOnlyList<IEvent> stream, string studyId, Func<string, bool> canSeeSite)
    {
        var first = stream[0];
        if (first is IEvent<StudyCreated> created && created.Data.StudyId == studyId)
            return stream.Skip(1).Aggregate(Study.Create(created), (acc, e) => e switch
            {
                { Data: SiteAdded added } => acc.Apply(added),
                IEvent<StudyDefinitionVersioned> versioned => acc.Apply(versioned),
                _ => acc,
            });
        if (CasebookEvolution.Opening(first.Data) is { } opening && opening.StudyId == studyId && canSeeSite(opening.SiteId))
            return CasebookEvolution.Build(stream);
        if (first is IEvent<DataQueryRaised> raised && raised.Data.StudyId == studyId)
            return stream.Skip(1).Aggregate(DataQuery.Create(raised), (q, e) => q.Replay(e));
        return null;
    }
}

/// <summary>A snapshot's header (its subjects written elsewhere), and the study's casebooks without an enrolment form (a lock refuses them).</summary>
public sealed record SnapshotHeader(CohortSnapshot Snapshot, IReadOnlyList<string> WithoutEnrolment);

/// <summary>Each subject's canonical JSON in a temporary file, as it comes, read back in subject order: what holds a lock's subjects instead of memory.</summary>
internal sealed class SubjectSpill : IDisposable
{
    private readonly FileStream _file = LockSnapshotFile.Create();
    private readonly List<(string SubjectNumber, long Began, long Offset, int Length)> _index = [];

    public void Add(SubjectSnapshot subject, long began)
    {
        var bytes = CohortSnapshot.SubjectCanonical(subject);
        _index.Add((subject.SubjectNumber, began, _file.Position, bytes.Length));
        _file.Write(bytes);
    }

    /// <summary>As <see cref="CohortSnapshot.Build"/> orders them: by subject number (ordinal), then in the order their streams began.</summary>
    public IEnumerable<byte[]> InSubjectOrder()
    {
        foreach (var (_, _, offset, length) in _index.OrderBy(s => s.SubjectNumber, StringComparer.Ordinal).ThenBy(s => s.Began))
        {
            var bytes = new byte[length];
            _file.Position = offset;
            _file.ReadExactly(bytes);
            yield return bytes;
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>What a replay to a high-water mark rebuilds: the study, and its casebooks and data queries.</summary>
public sealed record ReplayedCohort(Study Study, IReadOnlyList<Casebook> Casebooks, IReadOnlyList<DataQuery> Queries);

/// <summary>A study's streams replayed (the study is null if it did not exist by then).</summary>
public sealed record ReplayedStudy(Study? Study, IReadOnlyList<Casebook> Casebooks, IReadOnlyList<DataQuery> Queries);
