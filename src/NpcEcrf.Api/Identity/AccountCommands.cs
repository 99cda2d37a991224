using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Identity;

/// <summary>The one way every account command runs: load the stream, decide, append, save.</summary>
public static class AccountCommands
{
    public static async Task<IResult> Run(IDocumentSession session, string username, Func<UserAccount, Decision> decide, CancellationToken ct)
    {
        var (account, rejection) = await Apply(session, username, decide, ct);
        return rejection?.ToHttp() ?? Results.Ok(UserView.Of(account!));
    }

    public static async Task<(UserAccount? Account, Rejection? Rejection)> Apply(
        IDocumentSession session, string username, Func<UserAccount, Decision> decide, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<UserAccount>(UserAccount.IdFor(username), ct);
        if (stream.Aggregate is null) return (null, new Rejection(RejectionKind.NotFound, $"User '{username}'"));
        var decision = decide(stream.Aggregate);
        if (decision.Rejection is { } rejection) return (null, rejection);
        stream.AppendMany(decision.Events);
        await session.SaveChangesAsync(ct);
        return (await session.LoadAsync<UserAccount>(stream.Aggregate.Id, ct), null);
    }

    public static Rejection? UnknownRole(string role) =>
        Roles.IsKnown(role) ? null : Rejection.Invalid("role", $"Unknown role '{role}'. Roles: {string.Join(", ", Roles.All)}.");
}
