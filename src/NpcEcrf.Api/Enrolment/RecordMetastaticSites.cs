using FluentValidation;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Enrolment;

/// <summary>Liver is its own field: it is the prognostic factor of the study's Cox model.</summary>
public sealed record RecordMetastaticSites(bool Liver, bool Lung, bool Bone, bool DistantLymphNodes, string[]? Other, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordMetastaticSites>
    {
        public Validator() => RuleForEach(c => c.Other).NotEmpty().MaximumLength(100);
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordMetastaticSites c) =>
        SubjectRoutes.Once(s.Casebook.MetastaticSites, "metastatic sites", new MetastaticSitesRecorded(c.Liver, c.Lung, c.Bone, c.DistantLymphNodes, c.Other ?? []));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordMetastaticSites>("/metastatic-sites", Decide, tag: "Enrolment");
}
