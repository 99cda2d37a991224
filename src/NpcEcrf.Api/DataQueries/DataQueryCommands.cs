using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.DataQueries;

public static class DataQueryCommands
{
    /// <summary>Monitors and data managers raise, close, cancel and reopen queries.</summary>
    public static readonly string[] ReviewerRoles = [Roles.Monitor, Roles.DataManager];
    /// <summary>Site staff answer them.</summary>
    public static readonly string[] SiteRoles = [Roles.Cra, Roles.Investigator];

    /// <summary>A step in a query's life, through the one pipeline: review work, so only a hard lock refuses it.</summary>
    public static Task<IResult> Run(HttpContext http, IDocumentSession session, Guid id, string[] roles, IRetryableCommand command, Func<DataQuery, Decision> decide) =>
        Run(http, session, id, roles, command, (_, q) => Task.FromResult(decide(q)));

    /// <summary>The same, for a decision that reads more than the query (the casebook, for segregation of duties).</summary>
    public static async Task<IResult> Run(HttpContext http, IDocumentSession session, Guid id, string[] roles, IRetryableCommand command,
        Func<IDocumentSession, DataQuery, Task<Decision>> decide)
    {
        var actor = Actor.From(http.User);
        return (await CommandPipeline.Run(session, actor, new WriteRequest<DataQuery>
        {
            StreamId = id, What = "Data query", Roles = roles, Command = CommandKey.Of(command),
            MaySee = q => actor.CanSeeSite(q.StudyId, q.SiteId),
            LockedStudy = q => q!.StudyId,
            Kind = Locks.WriteKind.Review,
            DecideAsync = (s, q) => decide(s, q!),
            Answer = q => q,
        }, http.RequestAborted)).ToHttp();
    }
}
