using System.Text;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Audit;

/// <summary>What an auditor filters the trail by. Null means "any".</summary>
public sealed record AuditFilter(
    string? StudyId = null, string? SubjectNumber = null, string? SiteId = null, string? User = null, string? Field = null,
    string? EventType = null, DateTimeOffset? From = null, DateTimeOffset? To = null, IReadOnlyCollection<string>? AllowedSites = null)
{
    public override string ToString() => string.Join("; ", new[]
    {
        StudyId is null ? null : $"study={StudyId}", SubjectNumber is null ? null : $"subject={SubjectNumber}", SiteId is null ? null : $"site={SiteId}",
        User is null ? null : $"user={User}", Field is null ? null : $"field={Field}", EventType is null ? null : $"eventType={EventType}",
        From is null ? null : $"from={From:O}", To is null ? null : $"to={To:O}",
    }.Where(p => p is not null));
}

/// <summary>
/// One event as the audit trail shows it: who, when (UTC), what (type, field, old -> new), why, and the request. An
/// event imported from an ODM file (OdmImport/) also shows the source system's user, time and reason for change, kept
/// apart from ours (our user is the importer, our time the import's), and the file it came from (name and SHA-256).
/// </summary>
public sealed record AuditEntry(
    long Sequence, DateTimeOffset Timestamp, string? User, string EventType, Guid StreamId, long Version,
    string? StudyId, string? SiteId, string? SubjectNumber, string? Form, string? Field, string? OldValue, string? NewValue,
    string? Reason, string? CorrelationId, string? CausationId,
    string? OriginalUser = null, DateTimeOffset? OriginalTimestamp = null, string? OriginalReason = null, string? SourceFile = null, string? SourceSha256 = null);

/// <summary>
/// Reads the audit trail straight from mt_events (account events from before password credentials were separated
/// still hold a passwordHash in the database; the trail leaves it out) with keyset paging on the global sequence, so walking a
/// million entries costs the same per page at the end as at the start.
/// </summary>
public sealed class AuditTrail(NpcEcrfSettings settings)
{
    public const int MaxPageSize = 1000;

    public async Task<IReadOnlyList<AuditEntry>> Page(AuditFilter filter, long after, int limit, CancellationToken ct)
    {
        var entries = new List<AuditEntry>();
        await foreach (var e in Stream(filter, after, Math.Clamp(limit, 1, MaxPageSize), ct)) entries.Add(e);
        return entries;
    }

    public async IAsyncEnumerable<AuditEntry> Stream(AuditFilter filter, long after, int? limit, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var s = settings.Schema;
        var sql = new StringBuilder($"""
            select e.seq_id, e.timestamp, e.user_name, e.type, e.stream_id, e.version,
                   coalesce(c.data->>'studyId', q.data->>'studyId'), coalesce(c.data->>'siteId', q.data->>'siteId'),
                   coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber'),
                   e.data->>'form', e.data->>'field', e.data->>'oldValue', coalesce(e.data->>'newValue', (e.data - 'passwordHash')::text),
                   e.headers->>'reasonForChange', e.correlation_id, e.causation_id,
                   e.data->'audit'->>'user', e.data->'audit'->>'at', e.data->'audit'->>'reason', e.data->'audit'->>'sourceFile', e.data->'audit'->>'fileSha256'
            from "{s}".mt_events e
            left join "{s}".mt_doc_casebook c on c.id = e.stream_id
            left join "{s}".mt_doc_dataquery q on q.id = e.stream_id
            where e.seq_id > @after
            """);
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand { Connection = connection };
        command.Parameters.AddWithValue("after", after);
        void Where(string clause, string name, object? value)
        {
            if (value is null) return;
            sql.Append(" and ").Append(clause);
            command.Parameters.AddWithValue(name, value);
        }
        Where("coalesce(c.data->>'studyId', q.data->>'studyId') = @study", "study", filter.StudyId);
        Where("coalesce(c.data->>'subjectNumber', q.data->>'subjectNumber') = @subject", "subject", filter.SubjectNumber);
        Where("coalesce(c.data->>'siteId', q.data->>'siteId') = @site", "site", filter.SiteId);
        // Assignments are STUDY/SITE (a bare site id from older accounts matches that site in any study).
        Where("(coalesce(c.data->>'studyId', q.data->>'studyId') || '/' || coalesce(c.data->>'siteId', q.data->>'siteId') = any(@sites) or coalesce(c.data->>'siteId', q.data->>'siteId') = any(@sites))",
            "sites", filter.AllowedSites?.ToArray());
        Where("e.user_name = @user", "user", filter.User);
        Where("(e.data->>'field' = @field or e.data ? @field)", "field", filter.Field);
        Where("e.type = @type", "type", filter.EventType);
        // timestamptz takes UTC only: any ISO 8601 offset is converted here.
        Where("e.timestamp >= @from", "from", filter.From?.ToUniversalTime());
        Where("e.timestamp <= @to", "to", filter.To?.ToUniversalTime());
        sql.Append(" order by e.seq_id");
        if (limit is { } l) sql.Append(" limit ").Append(l);
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return new AuditEntry(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), Text(reader, 2), reader.GetString(3), reader.GetGuid(4), reader.GetInt64(5),
                Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9), Text(reader, 10), Text(reader, 11), Text(reader, 12),
                Text(reader, 13), Text(reader, 14), Text(reader, 15),
                Text(reader, 16), Text(reader, 17) is { } at ? DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : null,
                Text(reader, 18), Text(reader, 19), Text(reader, 20));
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
