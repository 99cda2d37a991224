using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.SourceDataVerification;

/// <summary>A monitor marks one data point (with field) or a whole form (without) as verified against source.</summary>
public sealed record VerifySourceData(string Form, string? Field = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<VerifySourceData>
    {
        public Validator() => RuleFor(c => c.Form).NotEmpty();
    }

    public static Decision Decide(SubjectContext s, VerifySourceData c)
    {
        var form = FormRef.Parse(c.Form);
        if (s.Casebook.Entry(form) is null) return Rejection.Invalid("form", $"The casebook has no form '{c.Form}'.");
        if (SegregationOfDuties.Verifying(s.Study, s.Casebook, form, s.Actor) is { } refused) return refused;
        var field = c.Field;
        if (field is not null)
        {
            var (_, canonical, error) = FormValues.Read(s.Casebook, s.Study, form, field);
            if (error is not null) return Rejection.Invalid("field", error);
            field = canonical;
        }
        if (s.Casebook.Verifications.Any(v => v.Active && v.Form == form.ToString() && v.Field == field))
            return Rejection.Conflict("That is already verified.");
        return Decision.Accept(new SourceDataVerified(form.ToString(), field));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<VerifySourceData>("/verifications", Decide,
            _ => new CasebookWrite([Roles.Monitor], Locks.WriteKind.Review))
        .Operation("verifySourceData", "Verify a form (or one field) against the source", "Source data verification");
}
