using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.TumourAssessments;

/// <summary>A follow-up scan: each target's diameter (null = not evaluated, 0 = disappeared), non-target status, new lesions.</summary>
public sealed record RecordTumourAssessment(string AssessmentId, DateOnly Date, string Method, Dictionary<string, decimal?> TargetDiametersMm,
    NonTargetStatus NonTarget, bool NewLesions, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordTumourAssessment>
    {
        public Validator()
        {
            RuleFor(c => c.AssessmentId).NotEmpty().MaximumLength(20);
            RuleFor(c => c.Method).NotEmpty().MaximumLength(40);
            RuleFor(c => c.NonTarget).IsInEnum();
            RuleFor(c => c.TargetDiametersMm).NotNull();
            RuleForEach(c => c.TargetDiametersMm).Must(kv => kv.Value is null or >= 0).WithMessage("Diameters are 0 mm or more.");
        }
    }

    public static Decision Decide(SubjectContext s, RecordTumourAssessment c)
    {
        var casebook = s.Casebook;
        if (casebook.Assessments.Any(a => a.AssessmentId == c.AssessmentId)) return Rejection.Conflict($"Assessment {c.AssessmentId} is already entered.");
        if (casebook.Assessments.Count > 0 && c.Date <= casebook.Assessments.Max(a => a.Date))
            return Rejection.Invalid("date", "Assessments are entered in date order.");
        if (casebook.Baseline is { } baseline && c.TargetDiametersMm.Keys.Except(baseline.Targets.Select(t => t.LesionId)).FirstOrDefault() is { } unknown)
            return Rejection.Invalid($"targetDiametersMm.{unknown}", $"{unknown} is not a baseline target lesion; new lesions are recorded as newLesions.");
        return Decision.Accept(new TumourAssessed(c.AssessmentId, c.Date, c.Method, c.TargetDiametersMm, c.NonTarget, c.NewLesions));
    }

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordTumourAssessment>("/tumour-assessments", Decide, tag: "Tumour assessments");
}
