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
/// A position in the trail, after which the next page starts: the (timestamp, sequence) of the last entry seen, the
/// order every page is read in. Sent to clients as an opaque token; stable, since both are fixed when an event is written.
/// </summary>
public sealed record AuditCursor(DateTimeOffset Timestamp, long Sequence)
{
    /// <summary>PostgreSQL keeps microseconds: the token keeps exactly those, so it names the entry's own row.</summary>
    public string Encode() => Convert.ToBase64String(Encoding.ASCII.GetBytes(
            FormattableString.Invariant($"{(Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10}.{Sequence}")))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor a token names, or null when it is not one of ours.</summary>
    public static AuditCursor? Decode(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var parts = text.Split('.');
            const System.Globalization.NumberStyles digits = System.Globalization.NumberStyles.None;
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            return parts.Length == 2 && long.TryParse(parts[0], digits, culture, out var micros) && long.TryParse(parts[1], digits, culture, out var sequence)
                   && micros <= (DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10
                ? new AuditCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), sequence)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>
/// Reads the audit trail through its index (<see cref="AuditIndex"/>; account events from before password credentials
/// were separated still hold a passwordHash in the database, and the trail leaves it out) with keyset paging on
/// (timestamp, sequence): each page is one index range of the filter, at most a page of rows read, joined to its
/// events by primary key, so a page costs the same at the end of a million entries as at the start.
/// </summary>
public sealed class AuditTrail(NpcEcrfSettings settings)
{
    public const int MaxPageSize = 1000;

    /// <summary>One page after <paramref name="after"/> (null: from the start); the cursor of the next page when this one is full.</summary>
    public async Task<(IReadOnlyList<AuditEntry> Entries, AuditCursor? Next)> Page(AuditFilter filter, AuditCursor? after, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var (entries, rows, last) = await Read(filter, after, limit, ct);
        return (entries, rows == limit ? last : null);
    }

    /// <summary>The whole filtered trail, a page (one short statement) at a time, so neither side holds more than a page.</summary>
    public async IAsyncEnumerable<AuditEntry> Stream(AuditFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (AuditCursor? after = null; ;)
        {
            var (entries, next) = await Page(filter, after, MaxPageSize, ct);
            foreach (var e in entries) yield return e;
            if (next is null) yield break;
            after = next;
        }
    }

    /// <summary>The cursor just after the entry with this sequence number (the older "after" parameter); null if there is none.</summary>
    public async Task<AuditCursor?> After(long sequence, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select ts from \"{settings.Schema}\".{AuditIndex.Events} where seq_id = @seq", connection);
        command.Parameters.AddWithValue("seq", sequence);
        return await command.ExecuteScalarAsync(ct) is DateTime ts ? new AuditCursor(new DateTimeOffset(ts, TimeSpan.Zero), sequence) : null;
    }

    /// <summary>The page's entries, how many index rows it read and the last one's position (an event removed under maintenance shows no entry).</summary>
    private async Task<(List<AuditEntry> Entries, int Rows, AuditCursor? Last)> Read(AuditFilter filter, AuditCursor? after, int limit, CancellationToken ct)
    {
        var s = settings.Schema;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand { Connection = connection };
        // The page is ordered by the index that serves the most specific filter: a field's rows when a field is asked for.
        var k = filter.Field is null ? "a" : "f";
        var page = new StringBuilder($"select a.seq_id, {k}.ts, a.study_id, a.site_id, a.subject_number from \"{s}\".{AuditIndex.Events} a");
        if (filter.Field is not null) page.Append($" join \"{s}\".{AuditIndex.Fields} f on f.seq_id = a.seq_id and f.ts = a.ts");
        page.Append(" where true");
        void Where(string clause, string name, object? value)
        {
            if (value is null) return;
            page.Append(" and ").Append(clause);
            command.Parameters.AddWithValue(name, value);
        }
        Where("f.field = @field", "field", filter.Field);
        Where("a.study_id = @study", "study", filter.StudyId);
        Where("a.subject_number = @subject", "subject", filter.SubjectNumber);
        Where("a.site_id = @site", "site", filter.SiteId);
        // Assignments are STUDY/SITE (a bare site id from older accounts matches that site in any study).
        Where("(a.study_id || '/' || a.site_id = any(@sites) or a.site_id = any(@sites))", "sites", filter.AllowedSites?.ToArray());
        Where("a.user_name = @user", "user", filter.User);
        Where("a.type = @type", "type", filter.EventType);
        // timestamptz takes UTC only: any ISO 8601 offset is converted here.
        Where($"{k}.ts >= @from", "from", filter.From?.ToUniversalTime());
        Where($"{k}.ts <= @to", "to", filter.To?.ToUniversalTime());
        if (after is not null)
        {
            page.Append($" and ({k}.ts, {k}.seq_id) > (@afterTs, @afterSeq)");
            command.Parameters.AddWithValue("afterTs", after.Timestamp.ToUniversalTime());
            command.Parameters.AddWithValue("afterSeq", after.Sequence);
        }
        page.Append($" order by {k}.ts, {k}.seq_id limit {limit}");
        command.CommandText = $"""
            select e.seq_id, e.timestamp, e.user_name, e.type, e.stream_id, e.version, p.study_id, p.site_id, p.subject_number,
                   e.data->>'form', e.data->>'field', e.data->>'oldValue', coalesce(e.data->>'newValue', (e.data - 'passwordHash')::text),
                   e.headers->>'reasonForChange', e.correlation_id, e.causation_id,
                   e.data->'audit'->>'user', e.data->'audit'->>'at', e.data->'audit'->>'reason', e.data->'audit'->>'sourceFile', e.data->'audit'->>'fileSha256',
                   p.ts, p.seq_id
            from ({page}) p left join "{s}".mt_events e on e.seq_id = p.seq_id
            order by p.ts, p.seq_id
            """;
        var entries = new List<AuditEntry>(limit);
        var (rows, last) = (0, (AuditCursor?)null);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows++;
            last = new AuditCursor(reader.GetFieldValue<DateTimeOffset>(21), reader.GetInt64(22));
            if (reader.IsDBNull(0)) continue;
            entries.Add(new AuditEntry(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), Text(reader, 2), reader.GetString(3), reader.GetGuid(4), reader.GetInt64(5),
                Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9), Text(reader, 10), Text(reader, 11), Text(reader, 12),
                Text(reader, 13), Text(reader, 14), Text(reader, 15),
                Text(reader, 16), Text(reader, 17) is { } at ? DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture) : null,
                Text(reader, 18), Text(reader, 19), Text(reader, 20)));
        }
        return (entries, rows, last);
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
