using System.Collections.Concurrent;
using System.Linq.Expressions;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace NpcEcrf.Api.TamperEvidence;

/// <summary>
/// New streams written with a binary COPY into mt_streams and mt_events, in the session's own transaction, so they
/// commit or roll back with whatever the session saves next. Marten's bulk append (DocumentStore.BulkInsertEventsAsync,
/// BulkInsertEventStreamAsync) commits in a transaction of its own and neither seals nor projects (docs/standards.md). Every event is sealed by
/// <see cref="SealingListener.SealNext"/>, exactly as the listener would seal it in one SaveChanges, and stored with
/// the columns and headers Marten's append writes; the caller stores what inline projections build from them.
/// </summary>
public static class SealedBulkAppend
{
    /// <summary>
    /// Starts each stream (none may exist) with its events, versions 1..n, and stores what the inline projection of
    /// <typeparamref name="TAggregate"/> makes of each (<paramref name="project"/>; a stream it makes nothing of has no document).
    /// </summary>
    public static async Task StartStreams<TAggregate>(IDocumentSession session, IReadOnlyList<(Guid Id, IReadOnlyList<object> Events)> streams,
        Func<IReadOnlyList<IEvent>, TAggregate?> project, CancellationToken ct) where TAggregate : class
    {
        var options = (StoreOptions)session.DocumentStore.Options;
        var listener = options.Listeners.OfType<SealingListener>().Single();
        var serializer = options.Serializer();
        var schema = options.Events.DatabaseSchemaName;
        await session.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)session.Connection!;

        // The witness as the listener would see it when this session saves: the newest committed sealed event.
        var witness = await listener.NewestSealed(connection, ct);
        var defaults = SealDefaults.Of(session);
        var tenant = session.TenantId;

        // Streams are sealed and projected independently of each other (each chains to its own predecessor), by every
        // core, handed out in order, from now on: meanwhile this thread draws the sequence numbers, writes mt_streams,
        // then COPYs the events of the streams already sealed.
        var rows = new (IEvent Event, string Data, string Headers)[streams.Count][];
        var documents = new string?[streams.Count];
        var ready = streams.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var nextStream = -1;
        // A failed write stops the sealers too, rather than leave them sealing streams nobody will write.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void Seal()
        {
            for (int i; (i = Interlocked.Increment(ref nextStream)) < streams.Count && !stop.IsCancellationRequested;)
            {
                try
                {
                    rows[i] = SealStream(streams[i].Id, streams[i].Events, listener.Seal, serializer, witness, defaults, tenant);
                    // Projected as soon as sealed: the stored events carry their version and timestamp, as the inline projection sees them.
                    documents[i] = project(Array.ConvertAll(rows[i], r => r.Event)) is { } document ? serializer.ToJson(document) : null;
                    ready[i].SetResult();
                }
                catch (Exception e)
                {
                    ready[i].SetException(e);
                }
            }
        }
        var sealers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(Seal, stop.Token)).ToArray();
        try
        {
            var total = streams.Sum(s => s.Events.Count);
            var sequences = new long[total];
            await using (var next = new NpgsqlCommand($"select nextval('\"{schema}\".mt_events_sequence') from generate_series(1, @n)", connection))
            {
                next.Parameters.AddWithValue("n", total);
                await using var reader = await next.ExecuteReaderAsync(ct);
                for (var i = 0; await reader.ReadAsync(ct); i++) sequences[i] = reader.GetInt64(0);
            }

            var aggregate = ((Marten.Events.EventGraph)options.Events).AggregateAliasFor(typeof(TAggregate));
            await using (var copy = await connection.BeginBinaryImportAsync($"copy \"{schema}\".mt_streams (id, type, version, tenant_id) from stdin (format binary)", ct))
            {
                // In id order: two imports that race for the same streams wait on them in one order (a conflict, not a deadlock).
                foreach (var (id, events) in streams.OrderBy(s => s.Id))
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(id, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(aggregate, NpgsqlDbType.Varchar, ct);
                    await copy.WriteAsync((long)events.Count, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(tenant, NpgsqlDbType.Varchar, ct);
                }
                await copy.CompleteAsync(ct);
            }

            await using (var copy = await connection.BeginBinaryImportAsync($"""
                copy "{schema}".mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived, headers, correlation_id, causation_id, user_name)
                from stdin (format binary)
                """, ct))
            {
                var row = 0;
                for (var i = 0; i < streams.Count; i++)
                {
                    await ready[i].Task.WaitAsync(ct);
                    foreach (var (e, payload, headers) in rows[i])
                    {
                        // Numbered after sealing, as Marten numbers at insert: a seal names no predecessor of the same save.
                        e.Sequence = sequences[row++];
                        var (alias, dotNetType) = Names(e.EventType);
                        copy.StartRow();
                        copy.Write(e.Sequence, NpgsqlDbType.Bigint);
                        copy.Write(e.Id, NpgsqlDbType.Uuid);
                        copy.Write(e.StreamId, NpgsqlDbType.Uuid);
                        copy.Write(e.Version, NpgsqlDbType.Bigint);
                        copy.Write(payload, NpgsqlDbType.Jsonb);
                        copy.Write(alias, NpgsqlDbType.Varchar);
                        copy.Write(e.Timestamp, NpgsqlDbType.TimestampTz);
                        copy.Write(tenant, NpgsqlDbType.Varchar);
                        copy.Write(dotNetType, NpgsqlDbType.Varchar);
                        copy.Write(false, NpgsqlDbType.Boolean);
                        copy.Write(headers, NpgsqlDbType.Jsonb);
                        Nullable(copy, e.CorrelationId);
                        Nullable(copy, e.CausationId);
                        Nullable(copy, e.UserName);
                    }
                }
                await copy.CompleteAsync(ct);
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        await Task.WhenAll(sealers);

        // The projected documents, as Marten stores an inline projection's aggregate: the version of its stream's last event.
        var table = ((IReadOnlyStoreOptions)options).FindOrResolveDocumentType(typeof(TAggregate)).TableName.QualifiedName;
        await using (var copy = await connection.BeginBinaryImportAsync($"copy {table} (id, data, mt_version, mt_dotnet_type) from stdin (format binary)", ct))
        {
            for (var i = 0; i < streams.Count; i++)
            {
                if (documents[i] is not { } json) continue;
                copy.StartRow();
                copy.Write(streams[i].Id, NpgsqlDbType.Uuid);
                copy.Write(json, NpgsqlDbType.Jsonb);
                copy.Write(rows[i][^1].Event.Version, NpgsqlDbType.Bigint);
                copy.Write(typeof(TAggregate).FullName!, NpgsqlDbType.Varchar);
            }
            await copy.CompleteAsync(ct);
        }
    }

    /// <summary>One stream's events, wrapped, numbered 1..n and sealed in order, with the payload and headers as stored.</summary>
    private static (IEvent, string, string)[] SealStream(Guid id, IReadOnlyList<object> data, EventSeal seal, ISerializer serializer, Witness? witness, SealDefaults defaults, string tenant)
    {
        var rows = new (IEvent, string, string)[data.Count];
        var tail = new StreamTail(0, 0, null);
        for (var v = 0; v < data.Count; v++)
        {
            var e = Wrap(data[v]);
            e.StreamId = id;
            e.Version = tail.Version + 1;
            e.Id = Guid.CreateVersion7();
            e.TenantId = tenant;
            e.UserName ??= defaults.User;
            e.CorrelationId ??= defaults.CorrelationId;
            e.CausationId ??= defaults.CausationId;
            var json = serializer.ToJson(data[v]);
            tail = SealingListener.SealNext(seal, id, e, json, tail, witness, defaults);
            // The session's reason for change (sealed above) is stored in the headers as Marten stores a session header.
            if (defaults.Reason is { } reason && e.GetHeader(Infrastructure.CommandPipeline.ReasonHeader) is null) e.SetHeader(Infrastructure.CommandPipeline.ReasonHeader, reason);
            rows[v] = (e, json, serializer.ToJson(e.Headers));
        }
        return rows;
    }

    private static void Nullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(value, NpgsqlDbType.Varchar);
    }

    private static readonly ConcurrentDictionary<Type, (string Alias, string DotNetType)> TypeNames = new();

    /// <summary>Marten's event type alias and its mt_dotnet_type (the type's full name and its assembly's name).</summary>
    private static (string Alias, string DotNetType) Names(Type type) =>
        TypeNames.GetOrAdd(type, t => (EventTypes.Alias(t), $"{t.FullName}, {t.Assembly.GetName().Name}"));

    private static readonly ConcurrentDictionary<Type, Func<object, IEvent>> Wrappers = new();

    /// <summary>Marten's event envelope (Event&lt;T&gt;) around a payload of any type; one compiled constructor per type.</summary>
    private static IEvent Wrap(object data) => Wrappers.GetOrAdd(data.GetType(), type =>
    {
        var payload = Expression.Parameter(typeof(object));
        var constructor = typeof(Event<>).MakeGenericType(type).GetConstructor([type])!;
        return Expression.Lambda<Func<object, IEvent>>(Expression.New(constructor, Expression.Convert(payload, type)), payload).Compile();
    })(data);
}
