using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using System.Text;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Audit;

/// <summary>Reading the audit trail is itself audited: who looked, at what, and how much they saw.</summary>
public sealed record AuditTrailViewed(string Filter, long After, int Entries, string Format);

/// <summary>The audit trail's filters (?studyId=S&amp;from=...): each one given narrows the entries; none lists them all.</summary>
public sealed class AuditQuery
{
    [FromQuery(Name = "studyId"), Description("Only this study's events.")] public string? StudyId { get; init; }
    [FromQuery(Name = "subjectNumber"), Description("Only this subject's events.")] public string? SubjectNumber { get; init; }
    [FromQuery(Name = "siteId"), Description("Only this site's events.")] public string? SiteId { get; init; }
    [FromQuery(Name = "user"), Description("Only the events this user caused.")] public string? User { get; init; }
    [FromQuery(Name = "field"), Description("Only changes of this field.")] public string? Field { get; init; }
    [FromQuery(Name = "eventType"), Description("Only events of this type (SubjectEnrolled, DataPointCorrected, ...).")] public string? EventType { get; init; }
    [FromQuery(Name = "from"), Description("Only events at or after this moment (ISO 8601; UTC when it has no offset). A value that is not a moment is ignored.")] public string? From { get; init; }
    [FromQuery(Name = "to"), Description("Only events at or before this moment (ISO 8601; UTC when it has no offset). A value that is not a moment is ignored.")] public string? To { get; init; }
}

public static class ReadAuditTrail
{
    /// <param name="NextAfter">The sequence number of the last entry when more may follow (the older way to ask for the next page).</param>
    /// <param name="Next">The opaque cursor of the next page (<c>?cursor=</c>) when more may follow; null at the end.</param>
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextAfter, string? Next);

    public static readonly string[] AuditRoles = [Roles.Auditor, Roles.Admin, Roles.Monitor, Roles.DataManager];

    private const string CsvHeader = "sequence,timestamp_utc,user,event_type,stream_id,version,study,site,subject,form,field,old_value,new_value,reason_for_change,correlation_id,causation_id,original_user,original_timestamp_utc,original_reason,source_file,source_sha256\n";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/audit", async (HttpContext http, AuditTrail trail, IDocumentSession session, [AsParameters] AuditQuery query,
            [Description("The next page: the previous page's next (an opaque cursor).")] string? cursor,
            [Description("The page after this sequence number (the previous page's nextAfter; the older way to page).")] long? after,
            [Description("Entries per page (1 to 1000, default 100).")] int? limit) =>
        {
            if (Filter(http, query) is not { } filter) return Problems.Forbidden("Auditors, admins, monitors and data managers review the audit trail.");
            if (after is not null && cursor is not null) return Problems.Validation("cursor", "Give either cursor or after, not both.");
            AuditCursor? from = null;
            if (cursor is not null && (from = AuditCursor.Decode(cursor)) is null)
                return Problems.Validation("cursor", "This is not a cursor of the audit trail: pass the 'next' of the page before.");
            if (after is > 0 && (from = await trail.After(after.Value, http.RequestAborted)) is null)
                return Problems.Validation("after", $"No entry of the audit trail has the sequence number {after}: pass the 'nextAfter' or 'next' of the page before.");
            var (entries, next) = await trail.Page(filter, from, limit ?? 100, http.RequestAborted);
            await RecordView(session, http, filter, from?.Sequence ?? 0, entries.Count, "json");
            return Results.Ok(new AuditPage(entries, next?.Sequence, next?.Encode()));
        }).Produces<AuditPage>().Refuses(400, 403).Operation("getAuditTrail", "Read the audit trail, a page at a time, filtered", "Audit");

        // Written as it is read, a page at a time: an export of the whole trail holds one page in memory, not the file.
        app.MapGet("/audit/export.csv", (HttpContext http, AuditTrail trail, IDocumentSession session, [AsParameters] AuditQuery query) =>
        {
            if (Filter(http, query) is not { } filter) return Problems.Forbidden("Auditors, admins, monitors and data managers review the audit trail.");
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
        }).ProducesDocument("text/csv").Refuses(403).Operation("exportAuditTrailCsv", "Export the filtered audit trail as CSV", "Audit");
    }

    /// <summary>The caller's filter, narrowed to their sites unless they audit everything; null if they may not look.</summary>
    private static AuditFilter? Filter(HttpContext http, AuditQuery q)
    {
        var actor = Actor.From(http.User);
        if (!actor.Has(AuditRoles)) return null;
        static string? S(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
        static DateTimeOffset? T(string? value) => DateTimeOffset.TryParse(S(value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        return new AuditFilter(S(q.StudyId), S(q.SubjectNumber), S(q.SiteId), S(q.User), S(q.Field), S(q.EventType), T(q.From), T(q.To),
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
