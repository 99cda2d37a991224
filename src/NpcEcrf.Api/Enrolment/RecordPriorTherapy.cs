using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordPriorTherapy(int PriorSystemicLines, bool PlatinumRefractory, bool PriorRadiotherapy, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordPriorTherapy>
    {
        public Validator()
        {
            RuleFor(c => c.PriorSystemicLines).InclusiveBetween(0, 20);
            RuleFor(c => c.PlatinumRefractory).Equal(false).When(c => c.PriorSystemicLines == 0)
                .WithMessage("Platinum-refractory disease needs at least one prior systemic line.");
        }
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordPriorTherapy c) =>
        SubjectRoutes.Once(s.Casebook.PriorTherapy, "prior therapy", new PriorTherapyRecorded(c.PriorSystemicLines, c.PlatinumRefractory, c.PriorRadiotherapy));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordPriorTherapy>("/prior-therapy", Decide, tag: "Enrolment");
}
