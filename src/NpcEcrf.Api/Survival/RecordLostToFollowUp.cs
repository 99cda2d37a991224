using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Survival;

public sealed record RecordLostToFollowUp(DateOnly LastKnownAliveDate, string Details, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordLostToFollowUp>
    {
        public Validator() => RuleFor(c => c.Details).NotEmpty().MaximumLength(500);
    }

    public static Decision Decide(SubjectContext s, RecordLostToFollowUp c) =>
        s.Casebook.Death is not null
            ? Rejection.Conflict("A subject who died is not lost to follow-up.")
            : SubjectRoutes.Once(s.Casebook.LostToFollowUp, "lost to follow-up", new LostToFollowUp(c.LastKnownAliveDate, c.Details));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordLostToFollowUp>("/lost-to-follow-up", Decide, tag: "Survival");
}
