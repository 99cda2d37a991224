using Marten;

namespace NpcEcrf.Api.Infrastructure;

public static class SharedStreamAppend
{
    /// <summary>
    /// Appends one event to a stream that concurrent requests share (audit reads, failed logins). Each append is
    /// pinned to the version its seal chains to, so a writer that lost the race simply tries again after the winner.
    /// </summary>
    public static async Task Append(IDocumentStore store, Guid streamId, object @event, string user, string? correlationId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = user;
            session.CorrelationId = correlationId;
            session.Events.Append(streamId, @event);
            try
            {
                await session.SaveChangesAsync(ct);
                return;
            }
            catch (Exception e) when (attempt < 20 && Conflicts.IsConcurrencyConflict(e))
            {
                await Task.Delay(Random.Shared.Next(5, 20) * attempt, ct);
            }
        }
    }
}

public static class Conflicts
{
    /// <summary>Another writer got to the stream first: a version check or a unique stream/version key said so.</summary>
    public static bool IsConcurrencyConflict(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.Events.ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException
                or Npgsql.PostgresException { SqlState: "23505" or "MT003" })
                return true;
        return false;
    }
}
