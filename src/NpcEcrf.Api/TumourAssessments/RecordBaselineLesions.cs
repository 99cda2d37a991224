using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.TumourAssessments;

/// <summary>RECIST 1.1 baseline: target lesions (size rules checked by the casebook's edit checks) and non-targets.</summary>
public sealed record RecordBaselineLesions(DateOnly AssessmentDate, string Method, TargetLesion[] Targets, NonTargetLesion[]? NonTargets, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordBaselineLesions>
    {
        public Validator()
        {
            RuleFor(c => c.Method).NotEmpty().MaximumLength(40);
            RuleFor(c => c.Targets).NotEmpty().WithMessage("At least one measurable target lesion is required at baseline.");
            RuleForEach(c => c.Targets).ChildRules(t =>
            {
                t.RuleFor(x => x.LesionId).NotEmpty().MaximumLength(20);
                t.RuleFor(x => x.Organ).NotEmpty().MaximumLength(60);
                t.RuleFor(x => x.DiameterMm).GreaterThan(0);
            });
            RuleFor(c => c.Targets).Must(t => t.Select(x => x.LesionId).Distinct().Count() == t.Length).WithMessage("Lesion ids must be unique.");
        }
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordBaselineLesions c) =>
        SubjectRoutes.Once(s.Casebook.Baseline, "baseline lesions", new BaselineLesionsRecorded(c.AssessmentDate, c.Method, c.Targets, c.NonTargets ?? []));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordBaselineLesions>("/baseline-lesions", Decide, tag: "Tumour assessments");
}
