using System.Text.Json;
using System.Threading.Channels;
using Marten;
using Npgsql;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// Verifies the whole store: every event against its seal and its stream, the witnesses, the global chain against
/// the anchors sealed into locks (and one an auditor gives), and the documents derived from the events.
/// </summary>
/// <param name="tenant">With a database per study, the request's tenant (StudyRouting): its database is verified; null: the installation's.</param>
public sealed class StoreVerifier(NpcEcrfSettings settings, IDocumentStore store, Func<string>? tenant = null)
{
    private readonly EventSeal _seal = new(settings.SigningKey);

    /// <summary>Rows a batch: what is held between the reader and the checks, and what one parallel pass works on.</summary>
    private const int BatchSize = 2048;

    /// <summary>A connection to the database verified: the tenant's with a database per study, else the installation's.</summary>
    private NpgsqlConnection Connect(string? tenantId) =>
        tenantId is null ? new NpgsqlConnection(settings.ConnectionString) : Infrastructure.StudyRouting.DatabaseOf(store, tenantId).CreateConnection();

    public async Task<VerificationReport> Verify(ChainHead? against, CancellationToken ct)
    {
        var tenantId = tenant?.Invoke();
        await using var connection = Connect(tenantId);
        await connection.OpenAsync(ct);
        // Every read below sees one snapshot: a write committed between two of them (an event, then its stream's
        // version or its casebook) would otherwise read as a change made outside the application.
        await using var readView = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await LongerThanARequest(connection, readView, ct);
        // A table that is not there (a store that never had an event or a casebook, or one dropped) reads as empty.
        var tables = await EventRows.ExistingTables(connection, settings.Schema, [Events, Streams, Casebooks], ct);
        var streamRows = tables.Contains(Streams) ? await EventRows.Streams(connection, settings.Schema, ct) : [];
        var lockRows = tables.Contains(Events) ? await EventRows.Where(connection, settings.Schema, "type = 'database_locked'", [], ct) : [];
        // Read once: each lock event's payload is parsed for its head.
        IReadOnlyList<Anchor> anchors = [.. EventChecks.LockAnchors(lockRows), .. against is null ? [] : new[] { new Anchor($"the anchor {against}", null, against) }];
        var checks = new EventChecks(_seal, anchors);
        var casebooks = new RebuiltCasebooks(streamRows.ToDictionary(r => r.StreamId, r => r.Version));
        // The stored casebooks are read beside the events, on a second connection in the same snapshot.
        await using var documents = await SameSnapshot(connection, readView, tenantId, ct);
        var comparison = new CasebookComparison(store.Options.Serializer(), tables.Contains(Casebooks));
        if (tables.Contains(Events)) await ReadAll(connection, async batch =>
        {
            checks.Chain(batch);
            // What each row needs of itself alone (its seal, its payload) in parallel; the chains through the streams and the store in order.
            Parallel.For(0, batch.Count, i =>
            {
                batch[i].Prepare(_seal);
                batch[i].Extra = RebuiltCasebooks.Payload(batch[i].Row);
            });
            foreach (var r in batch)
            {
                checks.Add(r);
                casebooks.Add(r.Row, r.Extra);
            }
            if (casebooks.Complete.Count < ComparedAtOnce) return;
            await comparison.Compare(casebooks.Complete, documents, settings.Schema, ct);
            casebooks.Complete.Clear();
        }, ct);
        var lookup = new Lookup(connection, settings.Schema);
        var events = await checks.Finish(streamRows, lookup, ct);
        var (documentFindings, notes) = await CheckDocuments(connection, readView, tenantId, casebooks, comparison, lockRows, lookup, ct);
        return new VerificationReport(events.Streams, events.Events, [.. events.Findings, .. documentFindings], [.. events.Notes, .. notes], events.Head);
    }

    /// <summary>
    /// The whole store is one streamed read (about 25 s at 1M events on 2 cores), longer than the web host's statement
    /// timeout allows a request; its memory is bounded (a batch and per-stream state), so it may run, within this bound.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    private static async Task LongerThanARequest(NpgsqlConnection connection, NpgsqlTransaction view, CancellationToken ct) =>
        await new NpgsqlCommand($"set local statement_timeout = {(long)Timeout.TotalMilliseconds}", connection, view).ExecuteNonQueryAsync(ct);

    private const string Events = "mt_events", Streams = "mt_streams", Casebooks = "mt_doc_casebook";

    /// <summary>Completed casebooks compared with the stored ones a few hundred at a time: one read by primary key, then in parallel.</summary>
    private const int ComparedAtOnce = 256;

    /// <summary>A second connection that sees exactly the snapshot of the first (PostgreSQL's exported snapshot).</summary>
    private async Task<NpgsqlConnection> SameSnapshot(NpgsqlConnection first, NpgsqlTransaction firstView, string? tenantId, CancellationToken ct)
    {
        var snapshot = (string)(await new NpgsqlCommand("select pg_export_snapshot()", first, firstView).ExecuteScalarAsync(ct))!;
        var second = Connect(tenantId);
        try
        {
            await second.OpenAsync(ct);
            var view = await second.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await LongerThanARequest(second, view, ct);
            await new NpgsqlCommand($"set transaction snapshot '{snapshot}'", second, view).ExecuteNonQueryAsync(ct);
            return second;
        }
        catch
        {
            await second.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Rebuilt casebooks against the stored ones, as JSON (the same canonical text); one that differs, or has no stored
    /// document, is kept to be compared at the end as Marten loads the stored one (what the check has always compared),
    /// so a difference Marten's reading would hide is not a finding.
    /// </summary>
    /// <param name="stored">Whether the casebook documents' table exists (none stored otherwise).</param>
    private sealed class CasebookComparison(Marten.ISerializer serializer, bool stored)
    {
        public bool Stored => stored;
        public HashSet<Guid> Equal { get; } = [];
        public Dictionary<Guid, Casebook> Differing { get; } = [];

        public async Task Compare(IReadOnlyList<(Guid Id, Casebook Casebook)> rebuilt, NpgsqlConnection connection, string schema, CancellationToken ct)
        {
            if (rebuilt.Count == 0) return;
            var documents = new Dictionary<Guid, string>();
            if (stored)
            {
                await using var command = new NpgsqlCommand($"select id, data::text from \"{schema}\".{Casebooks} where id = any(@ids)", connection);
                command.Parameters.AddWithValue("ids", rebuilt.Select(c => c.Id).ToArray());
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) documents[reader.GetGuid(0)] = reader.GetString(1);
            }
            var equal = new bool[rebuilt.Count];
            Parallel.For(0, rebuilt.Count, i => equal[i] = documents.TryGetValue(rebuilt[i].Id, out var json) && EventSeal.SameCanonical(json, serializer.ToJson(rebuilt[i].Casebook)));
            for (var i = 0; i < rebuilt.Count; i++)
            {
                var (id, casebook) = rebuilt[i];
                if (equal[i])
                {
                    Equal.Add(id);
                    Differing.Remove(id);
                }
                else
                {
                    Equal.Remove(id);
                    Differing[id] = casebook;
                }
            }
        }
    }

    /// <summary>Every event in sequence order, in batches: the next batches are read while one is checked, and no more than a few are held.</summary>
    private async Task ReadAll(NpgsqlConnection connection, Func<List<PreparedRow>, Task> check, CancellationToken ct)
    {
        var batches = Channel.CreateBounded<List<PreparedRow>>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                var batch = new List<PreparedRow>(BatchSize);
                await EventRows.Stream(connection, settings.Schema, "true", [], async row =>
                {
                    batch.Add(new PreparedRow(row));
                    if (batch.Count < BatchSize) return;
                    await batches.Writer.WriteAsync(batch, stop.Token);
                    batch = new List<PreparedRow>(BatchSize);
                }, stop.Token);
                if (batch.Count > 0) await batches.Writer.WriteAsync(batch, stop.Token);
                batches.Writer.Complete();
            }
            catch (Exception e)
            {
                batches.Writer.Complete(e);
            }
        }, stop.Token);
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct)) await check(batch);
        }
        finally
        {
            await stop.CancelAsync();
            await reading;
        }
    }

    /// <summary>Rows read back on the verifying connection, in its snapshot, once the stream of every event is done.</summary>
    private sealed class Lookup(NpgsqlConnection connection, string schema) : IEventLookup
    {
        public Task<IReadOnlyList<EventRow>> Stream(Guid streamId, CancellationToken ct) =>
            EventRows.Where(connection, schema, "stream_id = @id", [new("id", streamId)], ct);

        public Task<IReadOnlyList<EventRow>> AtSequences(IReadOnlyCollection<long> sequences, CancellationToken ct) =>
            EventRows.Where(connection, schema, "seq_id = any(@seqs)", [new("seqs", sequences.ToArray())], ct);
    }

    /// <summary>
    /// The head an auditor may keep: settled, so a transaction still committing cannot later contradict it, and walked from
    /// the first event, trusting no head recorded in the database. Needs no document store.
    /// </summary>
    /// <param name="database">With a database per study, a connection to the study's database (each has its own chain); null: the installation's.</param>
    public static async Task<ChainHead> Head(NpcEcrfSettings settings, TimeSpan settle, CancellationToken ct, NpgsqlConnection? database = null)
    {
        await using var connection = database ?? new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var readView = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        return await GlobalChain.SettledHeadAsync(connection, settings.Schema, long.MaxValue, settle, _ => null, ct);
    }

    /// <summary>Casebooks rebuilt from their streams and lock documents re-aggregated must equal what is stored; each lock's snapshot must keep its sealed hash.</summary>
    private async Task<(List<VerificationFinding> Findings, List<string> Notes)> CheckDocuments(NpgsqlConnection connection, NpgsqlTransaction readView,
        string? tenantId, RebuiltCasebooks casebooks, CasebookComparison comparison, IReadOnlyList<EventRow> lockRows, IEventLookup lookup, CancellationToken ct)
    {
        if (casebooks.Unreadable is { } why) return ([], [$"Documents not checked: a stored payload no longer reads as its event type ({why})."]);
        IReadOnlyList<Guid> order;
        try
        {
            (order, var remaining) = await casebooks.Finish(lookup, ct);
            await comparison.Compare([.. casebooks.Complete, .. remaining], connection, settings.Schema, ct);
        }
        catch (JsonException e)
        {
            return ([], [$"Documents not checked: a stored payload no longer reads as its event type ({e.Message})."]);
        }
        var findings = new List<VerificationFinding>();
        var options = Marten.Services.SessionOptions.ForTransaction(readView);
        if (tenantId is not null) options.TenantId = tenantId; // the session's database is the tenant's
        await using var session = store.QuerySession(options);
        var serializer = store.Options.Serializer();
        string Json(object? document) => document is null ? "" : EventSeal.Canonical(serializer.ToJson(document));
        var rebuilt = order.ToHashSet();
        var storedOnly = new List<Guid>();
        if (comparison.Stored)
        {
            await using var command = new NpgsqlCommand($"select id from \"{settings.Schema}\".{Casebooks}", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                if (!rebuilt.Contains(reader.GetGuid(0))) storedOnly.Add(reader.GetGuid(0));
        }
        var suspects = order.Where(id => !comparison.Equal.Contains(id)).ToList();
        var loaded = comparison.Stored ? (await session.LoadManyAsync<Casebook>(ct, [.. suspects, .. storedOnly])).ToDictionary(c => c.Id) : [];
        foreach (var id in suspects.Concat(storedOnly))
        {
            var (expected, actual) = (comparison.Differing.GetValueOrDefault(id), loaded.GetValueOrDefault(id));
            if (Json(expected) == Json(actual)) continue;
            findings.Add(new(ChangeKind.DocumentDiffers, id, actual?.Version ?? expected?.Version, null,
                expected is null ? "a stored casebook with no events behind it" : actual is null ? "the casebook document is missing" : "the stored casebook differs from its events"));
        }
        foreach (var lockId in lockRows.Select(r => r.StreamId).Distinct())
        {
            var replayed = await session.Events.AggregateStreamAsync<DatabaseLock>(lockId, token: ct);
            var document = await session.LoadAsync<DatabaseLock>(lockId, ct);
            if (Json(replayed) != Json(document))
                findings.Add(new(ChangeKind.DocumentDiffers, lockId, document?.Version, null, $"the stored lock document differs from its events (lock '{replayed?.Name}')"));
            var snapshot = await session.LoadAsync<LockSnapshot>(lockId, ct);
            if (replayed is not null && (snapshot is null || CohortSnapshot.Hash(snapshot.CanonicalJson) != replayed.SnapshotHash))
                findings.Add(new(ChangeKind.SnapshotDiffers, lockId, replayed.Version, null, $"lock '{replayed.Name}': the stored snapshot no longer has its sealed hash"));
        }
        return (findings, []);
    }
}
