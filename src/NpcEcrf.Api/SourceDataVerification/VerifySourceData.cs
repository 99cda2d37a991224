using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.SourceDataVerification;

/// <summary>A monitor marks one data point (with field) or a whole form (without) as verified against source.</summary>
public sealed record VerifySourceData(string Form, string? Field, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<VerifySourceData>
    {
        public Validator() => RuleFor(c => c.Form).NotEmpty();
    }

    public static Decision Decide(SubjectContext s, VerifySourceData c)
    {
        var (_, error) = CasebookForms.Read(s.Casebook, c.Form, c.Field ?? "");
        if (c.Field is null ? s.Casebook.FormVersions.All(f => f.Form != c.Form) : error is not null)
            return Rejection.Invalid(c.Field is null ? "form" : "field", error ?? $"The casebook has no form '{c.Form}'.");
        if (s.Casebook.Verifications.Any(v => v.Active && v.Form == c.Form && v.Field == c.Field))
            return Rejection.Conflict("That is already verified.");
        return Decision.Accept(new SourceDataVerified(c.Form, c.Field));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost(SubjectRoutes.Subject + "/verifications", (string studyId, string subjectNumber, VerifySourceData c, HttpContext http, Marten.IDocumentSession session) =>
            SubjectCommands.Run(http, session, studyId, subjectNumber, c, Decide, roles: [Roles.Monitor], writeKind: Locks.WriteKind.Review))
        .Validated<VerifySourceData>()
        .WithTags("Source data verification");
}
