using FluentValidation;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Survival;

/// <summary>Survival follow-up: the subject was known alive on this date.</summary>
public sealed record RecordContact(DateOnly Date, string Method, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<RecordContact>
    {
        public Validator() => RuleFor(c => c.Method).MaximumLength(40);
    }

    public static Decision Decide(SubjectContext s, RecordContact c) => Decision.Accept(new ContactRecorded(c.Date, c.Method));

    public static void Map(IEndpointRouteBuilder app) => app.MapSubjectCommand<RecordContact>("/contacts", Decide)
        .Operation("recordContact", "Record a follow-up contact", "Survival");
}
