using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Survival;

public sealed record RecordLostToFollowUp(DateOnly LastKnownAliveDate, string Details, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordLostToFollowUp>
    {
        public Validator() => RuleFor(c => c.Details).MaximumLength(500);
    }

    public static Decision Decide(SubjectContext s, RecordLostToFollowUp c) =>
        CasebookCommands.Once(s.Casebook.LostToFollowUp, "lost to follow-up", new LostToFollowUp(c.LastKnownAliveDate, c.Details));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordLostToFollowUp>("/lost-to-follow-up", Decide)
        .Operation("recordLostToFollowUp", "Record a subject lost to follow-up", "Survival");
}
