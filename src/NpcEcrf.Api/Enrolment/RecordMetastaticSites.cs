using FluentValidation;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Enrolment;

/// <summary>Every site is answered yes or no: a missing (or misspelt) site is refused, never read as "no".</summary>
public sealed record RecordMetastaticSites(bool Liver, bool Lung, bool Bone, bool DistantLymphNodes, string[]? Other = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordMetastaticSites>
    {
        public Validator() => RuleForEach(c => c.Other).NotEmpty().MaximumLength(100);
    }

    public static Infrastructure.Decision Decide(SubjectContext s, RecordMetastaticSites c) =>
        CasebookCommands.Once(s.Casebook.MetastaticSites, "metastatic sites", new MetastaticSitesRecorded(c.Liver, c.Lung, c.Bone, c.DistantLymphNodes, c.Other ?? []));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordMetastaticSites>("/metastatic-sites", Decide, "Enrolment");
}
