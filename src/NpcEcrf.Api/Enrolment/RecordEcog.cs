using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordEcog(DateOnly AssessmentDate, int Score, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordEcog>
    {
        public Validator() => RuleFor(c => c.Score).InclusiveBetween(0, 5);
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordEcog c) =>
        SubjectRoutes.Once(s.Casebook.Ecog, "ECOG", new EcogRecorded(c.AssessmentDate, c.Score));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordEcog>("/ecog", Decide, tag: "Enrolment");
}
