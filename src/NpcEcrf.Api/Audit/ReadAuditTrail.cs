using System.Globalization;
using System.Text;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Audit;

/// <summary>Reading the audit trail is itself audited: who looked, at what, and how much they saw.</summary>
public sealed record AuditTrailViewed(string Filter, long After, int Entries, string Format);

public static class ReadAuditTrail
{
    /// <param name="NextAfter">The sequence number of the last entry when more may follow (the older way to ask for the next page).</param>
    /// <param name="Next">The opaque cursor of the next page (<c>?cursor=</c>) when more may follow; null at the end.</param>
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextAfter, string? Next);

    public static readonly string[] AuditRoles = [Roles.Auditor, Roles.Admin, Roles.Monitor, Roles.DataManager];

    private const string CsvHeader = "sequence,timestamp_utc,user,event_type,stream_id,version,study,site,subject,form,field,old_value,new_value,reason_for_change,correlation_id,causation_id,original_user,original_timestamp_utc,original_reason,source_file,source_sha256\n";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/audit", async (HttpContext http, AuditTrail trail, IDocumentSession session, long? after, string? cursor, int? limit) =>
        {
            if (Filter(http) is not { } filter) return Problems.Forbidden("Auditors, admins, monitors and data managers review the audit trail.");
            if (after is not null && cursor is not null) return Problems.Validation("cursor", "Give either cursor or after, not both.");
            AuditCursor? from = null;
            if (cursor is not null && (from = AuditCursor.Decode(cursor)) is null)
                return Problems.Validation("cursor", "This is not a cursor of the audit trail: pass the 'next' of the page before.");
            if (after is > 0 && (from = await trail.After(after.Value, http.RequestAborted)) is null)
                return Problems.Validation("after", $"No entry of the audit trail has the sequence number {after}: pass the 'nextAfter' or 'next' of the page before.");
            var (entries, next) = await trail.Page(filter, from, limit ?? 100, http.RequestAborted);
            await RecordView(session, http, filter, from?.Sequence ?? 0, entries.Count, "json");
            return Results.Ok(new AuditPage(entries, next?.Sequence, next?.Encode()));
        }).WithTags("Audit");

        // Written as it is read, a page at a time: an export of the whole trail holds one page in memory, not the file.
        app.MapGet("/audit/export.csv", (HttpContext http, AuditTrail trail, IDocumentSession session) =>
        {
            if (Filter(http) is not { } filter) return Problems.Forbidden("Auditors, admins, monitors and data managers review the audit trail.");
            return Results.Stream(async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(false));
                await writer.WriteAsync(CsvHeader);
                var count = 0;
                await foreach (var e in trail.Stream(filter, http.RequestAborted))
                {
                    count++;
                    await writer.WriteAsync(string.Join(',', new[]
                    {
                        e.Sequence.ToString(CultureInfo.InvariantCulture), e.Timestamp.UtcDateTime.ToString("O"), e.User, e.EventType, e.StreamId.ToString(),
                        e.Version.ToString(CultureInfo.InvariantCulture), e.StudyId, e.SiteId, e.SubjectNumber, e.Form, e.Field, e.OldValue, e.NewValue,
                        e.Reason, e.CorrelationId, e.CausationId,
                        e.OriginalUser, e.OriginalTimestamp?.UtcDateTime.ToString("O"), e.OriginalReason, e.SourceFile, e.SourceSha256,
                    }.Select(Csv)) + "\n");
                }
                await writer.FlushAsync(http.RequestAborted);
                await RecordView(session, http, filter, 0, count, "csv");
            }, "text/csv");
        }).WithTags("Audit");
    }

    /// <summary>The caller's filter, narrowed to their sites unless they audit everything; null if they may not look.</summary>
    private static AuditFilter? Filter(HttpContext http)
    {
        var actor = Actor.From(http.User);
        if (!actor.Has(AuditRoles)) return null;
        var q = http.Request.Query;
        string? S(string key) => string.IsNullOrWhiteSpace(q[key]) ? null : q[key].ToString();
        DateTimeOffset? T(string key) => DateTimeOffset.TryParse(S(key), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        return new AuditFilter(S("studyId"), S("subjectNumber"), S("siteId"), S("user"), S("field"), S("eventType"), T("from"), T("to"),
            actor.Has(Roles.Auditor, Roles.Admin) ? null : actor.Sites.ToList());
    }

    private static Task RecordView(IDocumentSession session, HttpContext http, AuditFilter filter, long after, int entries, string format)
    {
        var viewer = Actor.From(http.User).Username;
        return SharedStreamAppend.Append(session.DocumentStore, StableIds.For("audit-reads", viewer),
            new AuditTrailViewed(filter.ToString(), after, entries, format), viewer, session.CorrelationId, http.RequestAborted);
    }

    /// <summary>
    /// One CSV cell. A cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) is
    /// neutralised with a leading apostrophe, so a reason for change cannot run in an auditor's spreadsheet.
    /// </summary>
    public static string Csv(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
