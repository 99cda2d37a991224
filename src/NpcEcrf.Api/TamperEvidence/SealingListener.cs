using Marten;
using Npgsql;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>Seals every event just before it is saved, chaining it to the last seal of its stream.</summary>
public sealed class SealingListener(EventSeal seal, string connectionString, string schema) : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken ct)
    {
        var serializer = session.DocumentStore.Options.Serializer();
        foreach (var stream in session.PendingChanges.Streams())
        {
            var previous = await LastSeal(stream.Id, ct);
            foreach (var e in stream.Events)
            {
                var facts = new SealedFacts(stream.Id, EventTypes.Alias(e.Data.GetType()), serializer.ToJson(e.Data),
                    e.UserName ?? session.LastModifiedBy, e.CorrelationId ?? session.CorrelationId, e.CausationId ?? session.CausationId,
                    (e.GetHeader(SubjectCommands.ReasonHeader) ?? session.GetHeader(SubjectCommands.ReasonHeader))?.ToString());
                previous = seal.Compute(previous, facts);
                e.SetHeader(EventSeal.Header, previous);
            }
        }
    }

    private async Task<string?> LastSeal(Guid streamId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select headers->>'{EventSeal.Header}' from \"{schema}\".mt_events where stream_id = @id order by version desc limit 1", connection);
        command.Parameters.AddWithValue("id", streamId);
        try
        {
            return await command.ExecuteScalarAsync(ct) as string;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null; // the very first event, before Marten has created its tables
        }
    }
}

public static class EventTypes
{
    /// <summary>Marten's default event type alias: DataPointCorrected -> data_point_corrected.</summary>
    public static string Alias(Type type) =>
        string.Concat(type.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
