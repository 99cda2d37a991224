using NpcEcrf.Api.Infrastructure;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// Seals every event just before it is saved, chaining it to the last seal of its stream. An append that did not
/// state the version it expects is pinned to the version the seal was chained to, so two concurrent writers can
/// never both chain to the same predecessor: the second gets a concurrency error instead of breaking the chain.
/// </summary>
public sealed class SealingListener(EventSeal seal, string connectionString, string schema) : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken ct)
    {
        var serializer = session.DocumentStore.Options.Serializer();
        foreach (var stream in session.PendingChanges.Streams())
        {
            var (lastVersion, previous) = await Last(stream.Id, ct);
            if (stream.ActionType == StreamActionType.Append && stream.ExpectedVersionOnServer is null)
            {
                stream.ExpectedVersionOnServer = lastVersion;
                stream.AlwaysEnforceConsistency = true;
            }
            foreach (var e in stream.Events)
            {
                var facts = new SealedFacts(stream.Id, EventTypes.Alias(e.Data.GetType()), serializer.ToJson(e.Data),
                    e.UserName ?? session.LastModifiedBy, e.CorrelationId ?? session.CorrelationId, e.CausationId ?? session.CausationId,
                    (e.GetHeader(CommandPipeline.ReasonHeader) ?? session.GetHeader(CommandPipeline.ReasonHeader))?.ToString());
                previous = seal.Compute(previous, facts);
                e.SetHeader(EventSeal.Header, previous);
            }
        }
    }

    private async Task<(long Version, string? Seal)> Last(Guid streamId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select version, headers->>'{EventSeal.Header}' from \"{schema}\".mt_events where stream_id = @id order by version desc limit 1", connection);
        command.Parameters.AddWithValue("id", streamId);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (0, null);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return (0, null); // the very first event, before Marten has created its tables
        }
    }
}

public static class EventTypes
{
    /// <summary>Marten's default event type alias: DataPointCorrected -> data_point_corrected.</summary>
    public static string Alias(Type type) =>
        string.Concat(type.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
