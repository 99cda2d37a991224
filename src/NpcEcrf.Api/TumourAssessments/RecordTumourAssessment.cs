using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

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
            RuleFor(c => c.Method).MaximumLength(40);
        }
    }

    public static Decision Decide(SubjectContext s, RecordTumourAssessment c) => s.Casebook.Assessments.Any(a => a.AssessmentId == c.AssessmentId)
        ? Rejection.Conflict($"Assessment {c.AssessmentId} is already entered.")
        : Decision.Accept(new TumourAssessed(c.AssessmentId, c.Date, c.Method, c.TargetDiametersMm, c.NonTarget, c.NewLesions));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordTumourAssessment>("/tumour-assessments", Decide)
        .Operation("recordTumourAssessment", "Record a RECIST tumour assessment", "Tumour assessments");
}
