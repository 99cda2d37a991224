using Marten;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.DataQueries;

/// <summary>
/// Soft edit checks become data queries in the same transaction as the data that tripped them, and
/// close themselves when a later change clears the check.
/// </summary>
public static class DataQueryAutomation
{
    public static async Task FollowEditChecks(IDocumentSession session, Casebook after, IReadOnlyList<object> events, CancellationToken ct)
    {
        foreach (var flag in events.OfType<EditCheckFlagged>())
        {
            var valueVersion = after.FormVersions.FirstOrDefault(f => f.Form == flag.Form)?.Version ?? after.Version;
            var id = DataQuery.IdFor(after.Id, flag.CheckId, flag.Form, flag.Field, after.Version);
            session.Events.StartStream<DataQuery>(id, new DataQueryRaised(after.StudyId, after.SiteId, after.SubjectNumber,
                flag.Form, flag.Field, valueVersion, flag.Message, DataQueryOrigin.EditCheck, flag.CheckId));
        }
        var cleared = events.OfType<EditCheckCleared>().ToList();
        if (cleared.Count == 0) return;
        var open = await session.Query<DataQuery>()
            .Where(q => q.StudyId == after.StudyId && q.SubjectNumber == after.SubjectNumber && q.Origin == DataQueryOrigin.EditCheck
                && (q.State == DataQueryState.Open || q.State == DataQueryState.Answered))
            .ToListAsync(ct);
        foreach (var query in open.Where(q => cleared.Any(c => c.CheckId == q.CheckId && c.Form == q.Form && c.Field == q.Field)))
            session.Events.Append(query.Id, DataQueryTransitions.CloseAutomatically(query, after.LastDataVersion).ToArray());
    }
}
