using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

public sealed record RecordDiseaseStatus(DiseasePattern Pattern, DateOnly DiagnosisDate, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordDiseaseStatus>
    {
        public Validator() => RuleFor(c => c.Pattern).IsInEnum();
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordDiseaseStatus c) =>
        SubjectRoutes.Once(s.Casebook.DiseaseStatus, "disease status", new DiseaseStatusRecorded(c.Pattern, c.DiagnosisDate));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDiseaseStatus>("/disease-status", Decide, tag: "Enrolment");
}
