using System.Text.Json;
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
/// <param name="tenant">With a database per study, the request's tenant (StudyRouting): its database is verified; null: the installation's.</param>
public sealed class StoreVerifier(NpcEcrfSettings settings, IDocumentStore store, Func<string>? tenant = null)
{
    private readonly EventSeal _seal = new(settings.SigningKey);

    public async Task<VerificationReport> Verify(ChainHead? against, CancellationToken ct)
    {
        var tenantId = tenant?.Invoke();
        await using var connection = tenantId is null ? new NpgsqlConnection(settings.ConnectionString) : Infrastructure.StudyRouting.DatabaseOf(store, tenantId).CreateConnection();
        await connection.OpenAsync(ct);
        // Every read below sees one snapshot: a write committed between two of them (an event, then its stream's
        // version or its casebook) would otherwise read as a change made outside the application.
        await using var readView = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var rows = await EventRows.Read(connection, settings.Schema, null, ct);
        var streamRows = await EventRows.Streams(connection, settings.Schema, ct);
        var anchors = EventChecks.LockAnchors(rows).Concat(against is null ? [] : [new Anchor($"the anchor {against}", null, against)]);
        var events = EventChecks.Check(rows, streamRows, _seal, anchors);
        var (documents, notes) = await CheckDocuments(readView, tenantId, rows, ct);
        var nonPlaceholders = rows.Where(r => !r.IsMartenPlaceholder).ToList();
        return new VerificationReport(nonPlaceholders.Select(r => r.StreamId).Distinct().Count(), nonPlaceholders.Count,
            [.. events.Findings, .. documents], [.. events.Notes, .. notes], GlobalChain.HeadAt(rows, long.MaxValue));
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
    private async Task<(List<VerificationFinding> Findings, List<string> Notes)> CheckDocuments(NpgsqlTransaction readView, string? tenantId, IReadOnlyList<EventRow> rows, CancellationToken ct)
    {
        var findings = new List<VerificationFinding>();
        var options = Marten.Services.SessionOptions.ForTransaction(readView);
        // The session's database is the tenant's: reads that open their own connection (StoredEvents) must see the same one.
        if (tenantId is not null) options.TenantId = tenantId;
        await using var session = store.QuerySession(options);
        var serializer = store.Options.Serializer();
        string Json(object? document) => document is null ? "" : EventSeal.Canonical(serializer.ToJson(document));
        IReadOnlyList<IEvent> events;
        try
        {
            events = await StoredEvents.Read(session, null, null, ct);
        }
        catch (JsonException e)
        {
            return ([], [$"Documents not checked: a stored payload no longer reads as its event type ({e.Message})."]);
        }
        var rebuilt = events.GroupBy(e => e.StreamId).Select(g => g.OrderBy(e => e.Version).ToList())
            .Where(s => CasebookEvolution.StartsCasebook(s[0].Data)).ToDictionary(s => s[0].StreamId, s => CasebookEvolution.Build(s)!);
        var stored = (await session.Query<Casebook>().ToListAsync(ct)).ToDictionary(c => c.Id);
        foreach (var id in rebuilt.Keys.Union(stored.Keys))
        {
            var (expected, actual) = (rebuilt.GetValueOrDefault(id), stored.GetValueOrDefault(id));
            if (Json(expected) == Json(actual)) continue;
            findings.Add(new(ChangeKind.DocumentDiffers, id, actual?.Version ?? expected?.Version, null,
                expected is null ? "a stored casebook with no events behind it" : actual is null ? "the casebook document is missing" : "the stored casebook differs from its events"));
        }
        foreach (var lockId in rows.Where(r => r.Type == "database_locked").Select(r => r.StreamId).Distinct())
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
