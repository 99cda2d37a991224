using JasperFx.Events;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>GET /studies/{studyId}/history: the study's own event stream, read as who changed its setup, when and why.</summary>
public static class ReadStudyHistory
{
    /// <param name="Kind">initial (the study's first definition), revision (before any enrolment) or amendment.</param>
    public sealed record DefinitionChange(int Version, DateOnly EffectiveFrom, string Kind, string? Reason, string? By, DateTimeOffset At);
    public sealed record SiteJoined(string SiteId, string Name, string TimeZone, string? By, DateTimeOffset At);
    public sealed record LockDeclared(string Name, string? By, DateTimeOffset At);
    public sealed record StudyHistory(string StudyId, string Title, string? CreatedBy, DateTimeOffset CreatedAt,
        IReadOnlyList<DefinitionChange> Definitions, IReadOnlyList<SiteJoined> Sites, IReadOnlyList<LockDeclared> Locks);

    /// <summary>Who may read it: those who oversee the study's conduct.</summary>
    public static readonly string[] Readers = [Roles.Admin, Roles.DataManager, Roles.Auditor, Roles.Monitor];

    public static StudyHistory? Of(IReadOnlyList<IEvent> events)
    {
        if (events.FirstOrDefault() is not IEvent<StudyCreated> created) return null;
        var rest = events.Skip(1).ToList();
        return new StudyHistory(created.Data.StudyId, created.Data.Title, created.UserName, created.Timestamp,
            rest.Where(e => e.Data is StudyDefinitionVersioned).Select(e => (Event: e, Data: (StudyDefinitionVersioned)e.Data))
                .Select(x => new DefinitionChange(x.Data.Version, x.Data.EffectiveFrom, x.Data.Amendment ? "amendment" : x.Data.Version == 1 ? "initial" : "revision",
                    x.Data.Reason, x.Event.UserName, x.Event.Timestamp)).ToList(),
            rest.Where(e => e.Data is SiteAdded).Select(e => (Event: e, Data: (SiteAdded)e.Data))
                .Select(x => new SiteJoined(x.Data.SiteId, x.Data.Name, x.Data.TimeZone ?? "UTC", x.Event.UserName, x.Event.Timestamp)).ToList(),
            rest.Where(e => e.Data is StudyLockDeclared).Select(e => new LockDeclared(((StudyLockDeclared)e.Data).LockName, e.UserName, e.Timestamp)).ToList());
    }

    public static async Task<StudyHistory?> Read(IQuerySession session, string studyId, CancellationToken ct) =>
        Of(await session.Events.FetchStreamAsync(Study.IdFor(studyId), token: ct));

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/history", async (string studyId, IQuerySession session, CancellationToken ct) =>
            await Read(session, studyId, ct) is { } history ? Results.Json(history, Casebooks.CasebookJson.Options) : Problems.NotFound($"Study '{studyId}'"))
        .RequireAuthorization(p => p.RequireRole(Readers))
        .Produces<StudyHistory>()
        .Refuses(403, 404)
        .Operation("getStudyHistory", "Read a study's history: its definition versions and who made them", "Studies");
}
