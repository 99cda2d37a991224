using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordDemographics(Sex Sex, int YearOfBirth, int AgeAtEnrolment, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordDemographics>
    {
        public Validator()
        {
            RuleFor(c => c.Sex).IsInEnum();
            RuleFor(c => c.YearOfBirth).InclusiveBetween(1900, 2100);
            RuleFor(c => c.AgeAtEnrolment).InclusiveBetween(18, 120).WithMessage("Adults only: age at enrolment 18-120.");
        }
    }

    // Age against year of birth is a casebook-wide edit check, so corrections are held to it too.
    public static Infrastructure.Decision Decide(SubjectContext s, RecordDemographics c) =>
        SubjectRoutes.Once(s.Casebook.Demographics, "demographics", new DemographicsRecorded(c.Sex, c.YearOfBirth, c.AgeAtEnrolment));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDemographics>("/demographics", Decide, tag: "Enrolment");
}
