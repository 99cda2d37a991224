using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Survival;

public sealed record RecordDeath(DateOnly Date, string Cause, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordDeath>
    {
        public Validator() => RuleFor(c => c.Cause).MaximumLength(300);
    }

    public static Decision Decide(SubjectContext s, RecordDeath c) => CasebookCommands.Once(s.Casebook.Death, "death", new DeathRecorded(c.Date, c.Cause));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDeath>("/death", Decide)
        .Operation("recordDeath", "Record a subject's death", "Survival");
}
