using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Signatures;

/// <summary>
/// An investigator signs a casebook (21 CFR 11.50/11.70). Signing re-authenticates: the password travels with
/// the command, and a wrong one is refused and recorded on the account.
/// </summary>
public sealed record SignCasebook(string Meaning, [property: NotFingerprinted] string Password, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<SignCasebook>
    {
        public Validator()
        {
            RuleFor(c => c.Meaning).NotEmpty().MaximumLength(300);
            RuleFor(c => c.Password).NotEmpty();
        }
    }

    public static Decision Decide(SubjectContext s, SignCasebook c, UserAccount signer, DateTimeOffset now)
    {
        if (SegregationOfDuties.Signing(s.Study, s.Casebook, s.Actor) is { } refused) return refused;
        if (CasebookView.MissingForms(s.Casebook, FormSet.Of(s.Definition)) is { Count: > 0 } missing)
            return Rejection.Invalid("casebook", $"The casebook is incomplete; missing: {string.Join(", ", missing)}.");
        if (CasebookView.SignatureOf(s.Casebook).State == SignatureState.Signed)
            return Rejection.Conflict("The casebook is already signed at this version.");
        return Decision.Accept(new CasebookSigned(signer.Username, signer.PrintedName, c.Meaning, s.Casebook.Version, now));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost(SubjectRoutes.Subject + "/signatures", async (string studyId, string subjectNumber, SignCasebook c, HttpContext http, IDocumentSession session, PasswordCredentials credentials, TimeProvider clock) =>
        {
            var actor = Actor.From(http.User);
            if (!actor.Has(Roles.Investigator)) return Problems.Forbidden("Only investigators sign casebooks.");
            var signer = await session.LoadAsync<UserAccount>(UserAccount.IdFor(actor.Username), http.RequestAborted);
            if (signer is not { Active: true } || !Passwords.Matches(await credentials.HashOfAsync(signer.Id, http.RequestAborted), c.Password))
            {
                if (signer is not null)
                    await SharedStreamAppend.Append(session.DocumentStore, signer.Id, new AuthenticationFailed("signature"), actor.Username, session.CorrelationId, http.RequestAborted);
                return Results.Problem(title: "Re-authentication failed: wrong password. Nothing was signed.", statusCode: StatusCodes.Status401Unauthorized);
            }
            var now = clock.GetUtcNow();
            return (await CasebookCommands.Run(session, actor, now, studyId, subjectNumber, c, SubjectRoutes.IfMatch(http), null, (s, cmd) => Decide(s, cmd, signer, now),
                new CasebookWrite([Roles.Investigator], Locks.WriteKind.Review), http.RequestAborted)).ToHttp();
        })
        .Validated<SignCasebook>()
        .CasebookCommand()
        .Refuses(StatusCodes.Status401Unauthorized)
        .Operation("signCasebook", "Sign a casebook (re-authenticating with the password)", "Signatures");
}
