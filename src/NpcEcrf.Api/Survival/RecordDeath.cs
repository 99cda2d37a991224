using FluentValidation;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Subjects;

namespace NpcEcrf.Api.Survival;

public sealed record RecordDeath(DateOnly Date, string Cause, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordDeath>
    {
        public Validator() => RuleFor(c => c.Cause).NotEmpty().MaximumLength(300);
    }

    // "Death before the last contact" is a casebook-wide edit check, so corrections are held to it too.
    public static Decision Decide(SubjectContext s, RecordDeath c) =>
        SubjectRoutes.Once(s.Casebook.Death, "death", new DeathRecorded(c.Date, c.Cause));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordDeath>("/death", Decide, tag: "Survival");
}
