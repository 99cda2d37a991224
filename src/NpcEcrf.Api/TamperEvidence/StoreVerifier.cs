using NpcEcrf.Api.Infrastructure;
using Npgsql;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.TamperEvidence;

public sealed record VerificationFinding(Guid StreamId, long Version, string Problem);
public sealed record VerificationReport(int Streams, long Events, IReadOnlyList<VerificationFinding> Findings)
{
    public bool Clean => Findings.Count == 0;
}

/// <summary>Walks every stream in version order and checks versions and seals, naming each event that does not fit.</summary>
public sealed class StoreVerifier(NpcEcrfSettings settings)
{
    private readonly EventSeal _seal = new(settings.SigningKey);

    public async Task<VerificationReport> Verify(long? upToSequence, CancellationToken ct)
    {
        var s = settings.Schema;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        var findings = new List<VerificationFinding>();
        long events = 0;
        var streams = 0;
        await using (var command = new NpgsqlCommand($"""
            select stream_id, version, type, data::text, user_name, correlation_id, causation_id,
                   headers->>'{CommandPipeline.ReasonHeader}', headers->>'{EventSeal.Header}'
            from "{s}".mt_events {(upToSequence is null ? "" : "where seq_id <= @upTo")}
            order by stream_id, version
            """, connection))
        {
            if (upToSequence is { } upTo) command.Parameters.AddWithValue("upTo", upTo);
            await using var reader = await command.ExecuteReaderAsync(ct);
            Guid? stream = null;
            long expectedVersion = 0;
            string? previousSeal = null;
            while (await reader.ReadAsync(ct))
            {
                events++;
                var streamId = reader.GetGuid(0);
                var version = reader.GetInt64(1);
                if (streamId != stream)
                {
                    (stream, expectedVersion, previousSeal) = (streamId, 1, null);
                    streams++;
                }
                if (version != expectedVersion)
                    findings.Add(new(streamId, version, version > expectedVersion
                        ? $"versions {expectedVersion}..{version - 1} are missing (deleted)"
                        : "duplicate version (inserted)"));
                string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                var stored = Text(8);
                var expected = _seal.Compute(previousSeal, new SealedFacts(streamId, reader.GetString(2), reader.GetString(3), Text(4), Text(5), Text(6), Text(7)));
                if (stored is null) findings.Add(new(streamId, version, "has no seal (written outside the application)"));
                else if (stored != expected) findings.Add(new(streamId, version, "does not match its seal (altered, or its predecessor was removed or replaced)"));
                previousSeal = stored;
                expectedVersion = version + 1;
            }
        }
        if (upToSequence is null)
        {
            // Removing a stream's last events leaves no gap behind them, but mt_streams still remembers the version.
            await using var tail = new NpgsqlCommand($"""
                select s.id, s.version, coalesce(max(e.version), 0) from "{s}".mt_streams s
                left join "{s}".mt_events e on e.stream_id = s.id group by s.id, s.version having s.version > coalesce(max(e.version), 0)
                """, connection);
            await using var reader = await tail.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                findings.Add(new(reader.GetGuid(0), reader.GetInt64(2) + 1, $"events after version {reader.GetInt64(2)} are missing (the stream was at {reader.GetInt64(1)})"));
        }
        return new VerificationReport(streams, events, findings);
    }
}
