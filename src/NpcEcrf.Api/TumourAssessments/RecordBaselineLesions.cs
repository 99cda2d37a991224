using FluentValidation;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.TumourAssessments;

/// <summary>RECIST 1.1 baseline: target lesions (size and count rules are the form's checks) and non-targets.</summary>
public sealed record RecordBaselineLesions(DateOnly AssessmentDate, string Method, TargetLesion[] Targets, NonTargetLesion[]? NonTargets = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordBaselineLesions>
    {
        public Validator()
        {
            RuleFor(c => c.Method).MaximumLength(40);
            RuleFor(c => c.Targets).NotEmpty().WithMessage("At least one measurable target lesion is required at baseline.");
            RuleForEach(c => c.Targets).ChildRules(t =>
            {
                t.RuleFor(x => x.LesionId).NotEmpty().MaximumLength(20);
                t.RuleFor(x => x.Organ).MaximumLength(60);
            });
        }
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordBaselineLesions c) =>
        CasebookCommands.Once(s.Casebook.Baseline, "baseline lesions", new BaselineLesionsRecorded(c.AssessmentDate, c.Method, c.Targets, c.NonTargets ?? []));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordBaselineLesions>("/baseline-lesions", Decide)
        .Operation("recordBaselineLesions", "Record the baseline lesions", "Tumour assessments");
}
