using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

/// <summary>
/// Soft findings become data queries in the same transaction as the data that tripped them, and close themselves
/// when a later change clears the finding. The system raises and closes them, not the user whose entry tripped them.
/// </summary>
public static class DataQueryAutomation
{
    public const string SystemUser = "system";

    public static async Task<Rejection?> FollowEditChecks(IDocumentSession session, Casebook before, IReadOnlyList<object> events, CancellationToken ct)
    {
        var version = before.Version + events.Count;
        foreach (var flag in events.OfType<EditCheckFlagged>())
        {
            var id = DataQuery.IdFor(before.Id, flag.CheckId, flag.Form, flag.Field, version);
            var valueVersion = before.Entry(FormRef.Parse(flag.Form))?.Version ?? version;
            var raised = session.Events.StartStream<DataQuery>(id, new DataQueryRaised(before.StudyId, before.SiteId, before.SubjectNumber,
                flag.Form, flag.Field, valueVersion, flag.Message, DataQueryOrigin.EditCheck, flag.CheckId));
            AsSystem(raised);
        }
        var cleared = events.OfType<EditCheckCleared>().ToList();
        if (cleared.Count == 0) return null;
        var open = await session.Query<DataQuery>()
            .Where(q => q.StudyId == before.StudyId && q.SubjectNumber == before.SubjectNumber && q.Origin == DataQueryOrigin.EditCheck
                && (q.State == DataQueryState.Open || q.State == DataQueryState.Answered))
            .ToListAsync(ct);
        foreach (var query in open.Where(q => cleared.Any(c => c.CheckId == q.CheckId && c.Form == q.Form && c.Field == q.Field)))
            AsSystem(session.Events.Append(query.Id, DataQueryTransitions.CloseAutomatically(query, version).ToArray()));
        return null;
    }

    private static void AsSystem(JasperFx.Events.StreamAction action)
    {
        foreach (var e in action.Events) e.UserName = SystemUser;
    }
}
