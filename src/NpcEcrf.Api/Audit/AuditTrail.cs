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
/// <param name="connect">With a database per study, the request's study database (StudyRouting); null: the installation's.</param>
public sealed class AuditTrail(NpcEcrfSettings settings, Func<NpgsqlConnection>? connect = null)
{
    private NpgsqlConnection Connection() => connect?.Invoke() ?? new NpgsqlConnection(settings.ConnectionString);

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
        await using var connection = Connection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select ts from \"{settings.Schema}\".{AuditIndex.Events} where seq_id = @seq", connection);
        command.Parameters.AddWithValue("seq", sequence);
        return await command.ExecuteScalarAsync(ct) is DateTime ts ? new AuditCursor(new DateTimeOffset(ts, TimeSpan.Zero), sequence) : null;
    }

    /// <summary>The page's entries, how many index rows it read and the last one's position (an event removed under maintenance shows no entry).</summary>
    private async Task<(List<AuditEntry> Entries, int Rows, AuditCursor? Last)> Read(AuditFilter filter, AuditCursor? after, int limit, CancellationToken ct)
    {
        await using var connection = Connection();
        await connection.OpenAsync(ct);
        await using var command = PageCommand(settings.Schema, filter, after, limit);
        command.Connection = connection;
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

    /// <summary>
    /// The statement that reads one page (the benchmark explains the same one). Every condition is on the index row; the
    /// planner walks the B-tree (filter, ts, seq_id) of one of them in page order and stops after a page. A field alone is
    /// walked in its own table, each of its rows checked against the event's index row; a reader limited to some sites
    /// reads one such range per site and merges them, so either way at most a page a range is read past the cursor.
    /// </summary>
    internal static NpgsqlCommand PageCommand(string s, AuditFilter filter, AuditCursor? after, int limit)
    {
        var command = new NpgsqlCommand();
        var conditions = new List<string>();
        void Where(string clause, string name, object? value)
        {
            if (value is null) return;
            conditions.Add(clause);
            command.Parameters.AddWithValue(name, value);
        }
        // The index a page walks: the filter likely to be the narrowest. Its condition is written as "= any" of one value,
        // so the planner cannot drop it from the page order (site_id, ts, seq_id) as a constant: then only that index gives
        // the order, and the planner does not walk the time index instead, filtering, on the belief that the value is spread
        // evenly through time (a user's or a site's events come in bursts: at a million entries that read 150,000 rows).
        var bySites = filter.AllowedSites is not null;
        var driver = filter.SubjectNumber is not null ? "subject_number" : filter.User is not null ? "user_name"
            : bySites ? null : filter.SiteId is not null ? "site_id" : filter.EventType is not null ? "type" : filter.StudyId is not null ? "study_id" : null;
        void Key(string column, string name, string? value)
        {
            if (value is null) return;
            if (column != driver) { Where($"a.{column} = @{name}", name, value); return; }
            conditions.Add($"a.{column} = any(@{name})");
            command.Parameters.AddWithValue(name, new[] { value });
        }
        Key("study_id", "study", filter.StudyId);
        Key("subject_number", "subject", filter.SubjectNumber);
        Key("site_id", "site", filter.SiteId);
        Key("user_name", "user", filter.User);
        Key("type", "type", filter.EventType);
        Where("@field = any(a.fields)", "field", filter.Field);
        // timestamptz takes UTC only: any ISO 8601 offset is converted here.
        Where("a.ts >= @from", "from", filter.From?.ToUniversalTime());
        Where("a.ts <= @to", "to", filter.To?.ToUniversalTime());
        if (after is not null)
        {
            conditions.Add("(a.ts, a.seq_id) > (@afterTs, @afterSeq)");
            command.Parameters.AddWithValue("afterTs", after.Timestamp.ToUniversalTime());
            command.Parameters.AddWithValue("afterSeq", after.Sequence);
        }
        const string columns = "a.seq_id, a.ts, a.study_id, a.site_id, a.subject_number";
        string All(IEnumerable<string> more) => string.Join(" and ", conditions.Concat(more).DefaultIfEmpty("true"));
        string Range(string? by, params string[] more) =>
            $"select {columns} from \"{s}\".{AuditIndex.Events} a where {All(more)} order by {(by is null ? "" : $"a.{by}, ")}a.ts, a.seq_id limit {limit}";
        string page;
        if (filter.AllowedSites is { } sites)
        {
            // Assignments are STUDY/SITE (a bare site id from older accounts matches that site in any study).
            var ranges = sites.Select((assignment, i) =>
            {
                // Each range walks the site's index, unless a subject or a user narrows it more.
                var slash = assignment.LastIndexOf('/');
                var site = driver is null ? $"a.site_id = any(@site{i})" : $"a.site_id = @site{i}";
                command.Parameters.AddWithValue($"site{i}", driver is null ? new[] { assignment[(slash + 1)..] } : assignment[(slash + 1)..]);
                if (slash < 0) return $"({Range(driver ?? "site_id", site)})";
                command.Parameters.AddWithValue($"siteStudy{i}", assignment[..slash]);
                return $"({Range(driver ?? "site_id", site, $"a.study_id = @siteStudy{i}")})";
            }).ToList();
            page = ranges.Count == 0 ? Range(null, "false") : $"select * from ({string.Join(" union all ", ranges)}) u order by ts, seq_id limit {limit}";
        }
        else if (filter.Field is not null && filter.SubjectNumber is null)
        {
            // The field's rows in page order, each event's index row looked up by key (the fence keeps that plan).
            var byField = new List<string> { "f.field = @field" };
            if (filter.From is not null) byField.Add("f.ts >= @from");
            if (filter.To is not null) byField.Add("f.ts <= @to");
            if (after is not null) byField.Add("(f.ts, f.seq_id) > (@afterTs, @afterSeq)");
            page = $"""
                select a.* from (select f.seq_id, f.ts from "{s}".{AuditIndex.Fields} f where {string.Join(" and ", byField)} ) f
                cross join lateral (select {columns} from "{s}".{AuditIndex.Events} a where a.seq_id = f.seq_id and {All([])} offset 0) a
                order by f.ts, f.seq_id limit {limit}
                """;
        }
        else page = Range(driver);
        command.CommandText = $"""
            select e.seq_id, e.timestamp, e.user_name, e.type, e.stream_id, e.version, p.study_id, p.site_id, p.subject_number,
                   e.data->>'form', e.data->>'field', e.data->>'oldValue', coalesce(e.data->>'newValue', (e.data - 'passwordHash')::text),
                   e.headers->>'reasonForChange', e.correlation_id, e.causation_id,
                   e.data->'audit'->>'user', e.data->'audit'->>'at', e.data->'audit'->>'reason', e.data->'audit'->>'sourceFile', e.data->'audit'->>'fileSha256',
                   p.ts, p.seq_id
            from ({page}) p left join "{s}".mt_events e on e.seq_id = p.seq_id
            order by p.ts, p.seq_id
            """;
        return command;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
