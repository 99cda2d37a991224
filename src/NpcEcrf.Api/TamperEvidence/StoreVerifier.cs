using System.Text.Json;
using System.Threading.Channels;
using JasperFx.Events;
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
public sealed class StoreVerifier(NpcEcrfSettings settings, IDocumentStore store)
{
    private readonly EventSeal _seal = new(settings.SigningKey);

    /// <summary>Rows a batch: what is held between the reader and the checks, and what one parallel pass works on.</summary>
    private const int BatchSize = 2048;

    public async Task<VerificationReport> Verify(ChainHead? against, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        // Every read below sees one snapshot: a write committed between two of them (an event, then its stream's
        // version or its casebook) would otherwise read as a change made outside the application.
        await using var readView = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var streamRows = await EventRows.Streams(connection, settings.Schema, ct);
        var lockRows = await EventRows.Where(connection, settings.Schema, "type = 'database_locked'", [], ct);
        var anchors = EventChecks.LockAnchors(lockRows).Concat(against is null ? [] : [new Anchor($"the anchor {against}", null, against)]);
        var checks = new EventChecks(_seal, anchors);
        var casebooks = new RebuiltCasebooks();
        await ReadAll(connection, batch =>
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
        }, ct);
        var lookup = new Lookup(connection, settings.Schema);
        var events = await checks.Finish(streamRows, lookup, ct);
        var (documents, notes) = await CheckDocuments(connection, readView, casebooks, lockRows, lookup, ct);
        return new VerificationReport(events.Streams, events.Events, [.. events.Findings, .. documents], [.. events.Notes, .. notes], events.Head);
    }

    /// <summary>Every event in sequence order, in batches: the next batches are read while one is checked, and no more than a few are held.</summary>
    private async Task ReadAll(NpgsqlConnection connection, Action<List<PreparedRow>> check, CancellationToken ct)
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
            await foreach (var batch in batches.Reader.ReadAllAsync(ct)) check(batch);
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

    /// <summary>The head an auditor may keep: settled, so a transaction still committing cannot later contradict it. Needs no document store.</summary>
    public static async Task<ChainHead> Head(NpcEcrfSettings settings, TimeSpan settle, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        var rows = await EventRows.Read(connection, settings.Schema, null, ct);
        return GlobalChain.SettledHead(rows, long.MaxValue, await EventRows.DatabaseNow(connection, ct), settle);
    }

    /// <summary>Casebooks rebuilt from their streams and lock documents re-aggregated must equal what is stored; each lock's snapshot must keep its sealed hash.</summary>
    private async Task<(List<VerificationFinding> Findings, List<string> Notes)> CheckDocuments(NpgsqlConnection connection, NpgsqlTransaction readView,
        RebuiltCasebooks casebooks, IReadOnlyList<EventRow> lockRows, IEventLookup lookup, CancellationToken ct)
    {
        if (casebooks.Unreadable is { } why) return ([], [$"Documents not checked: a stored payload no longer reads as its event type ({why})."]);
        IReadOnlyList<(Guid Id, Casebook Casebook)> rebuiltInOrder;
        try
        {
            rebuiltInOrder = await casebooks.Finish(lookup, ct);
        }
        catch (JsonException e)
        {
            return ([], [$"Documents not checked: a stored payload no longer reads as its event type ({e.Message})."]);
        }
        var findings = new List<VerificationFinding>();
        await using var session = store.QuerySession(Marten.Services.SessionOptions.ForTransaction(readView));
        var serializer = store.Options.Serializer();
        string Json(object? document) => document is null ? "" : EventSeal.Canonical(serializer.ToJson(document));
        var rebuilt = rebuiltInOrder.ToDictionary(c => c.Id, c => c.Casebook);
        // The stored casebooks in batches, each compared in parallel with its rebuilt one: as JSON first (the same
        // canonical text), and only when that differs as Marten loads it (what the check has always compared), so a
        // difference Marten's reading would hide is not a finding.
        var differs = new Dictionary<Guid, bool>();
        var storedOnly = new List<Guid>();
        var suspects = new List<Guid>();
        void Compare(List<(Guid Id, string Json)> batch)
        {
            var equal = new bool[batch.Count];
            Parallel.For(0, batch.Count, i => equal[i] = rebuilt.TryGetValue(batch[i].Id, out var c) && EventSeal.SameCanonical(batch[i].Json, serializer.ToJson(c)));
            for (var i = 0; i < batch.Count; i++)
            {
                if (equal[i]) differs[batch[i].Id] = false;
                else if (rebuilt.ContainsKey(batch[i].Id)) suspects.Add(batch[i].Id);
                else storedOnly.Add(batch[i].Id);
            }
            batch.Clear();
        }
        var stored = new List<(Guid, string)>(BatchSize);
        await using (var command = new NpgsqlCommand($"select id, data::text from \"{settings.Schema}\".mt_doc_casebook", connection))
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    stored.Add((reader.GetGuid(0), reader.GetString(1)));
                    if (stored.Count == BatchSize) Compare(stored);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // No casebook was ever stored.
            }
        }
        Compare(stored);
        var loaded = (await session.LoadManyAsync<Casebook>(ct, [.. suspects, .. storedOnly])).ToDictionary(c => c.Id);
        foreach (var id in suspects) differs[id] = Json(rebuilt[id]) != Json(loaded.GetValueOrDefault(id));
        foreach (var id in rebuiltInOrder.Select(c => c.Id).Concat(storedOnly))
        {
            var (expected, actual) = (rebuilt.GetValueOrDefault(id), loaded.GetValueOrDefault(id));
            if (differs.TryGetValue(id, out var different) && !different) continue;
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
