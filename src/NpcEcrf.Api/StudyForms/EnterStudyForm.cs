using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.StudyForms;

/// <summary>
/// The one route of every form a data manager defined: POST {subject}/forms/{form}, with the items under "data" and,
/// for a repeating form, the instance's key: the visit and occurrence the schedule expects it at ("W3", or "EOT" for a visit
/// that does not repeat; docs/architecture.md, "Schedule tracking"). Changes afterwards are corrections, as for every form.
/// </summary>
public sealed partial record EnterStudyForm(JsonObject Data, string? Key = null, long? Version = null, Guid? CommandId = null) : ISubjectCommand
{
    public sealed class Validator : AbstractValidator<EnterStudyForm>
    {
        public Validator() => RuleFor(c => c.Key).Must(k => k is null || KeyPattern().IsMatch(k))
            .WithMessage("A key is 1-40 letters, digits, '-' or '_'.");
    }

    public static Decision Decide(SubjectContext s, string formName, EnterStudyForm c)
    {
        var set = FormSet.Of(s.Definition);
        if (set.Find(formName) is not { } found) return Rejection.NotFound($"Form '{formName}' of study {s.Study.StudyId}");
        if (found is not StudyFormDefinition form)
            return Rejection.Invalid("form", $"'{found.Name}' is a form every study has; it has its own route.");
        if (form.Form.Retired) return Rejection.Invalid("form", $"Form '{form.Name}' was retired by an amendment; it takes no new entries.");
        if (form.Repeating && c.Key is null) return Rejection.Invalid("key", $"Form '{form.Name}' repeats: say which instance (key): the visit and occurrence it belongs to, such as W3.");
        if (!form.Repeating && c.Key is not null) return Rejection.Invalid("key", $"Form '{form.Name}' is entered once; it has no key.");
        var target = form.Ref(c.Key);
        if (s.Casebook.Entry(target) is not null)
            return Rejection.Conflict($"Form {target} is already entered; send a correction (POST .../corrections) with a reason.");
        var (value, errors) = StudyFormData.Normalise(form.Form, c.Data);
        return errors.Count > 0 ? Rejection.Invalid(errors, $"The values do not fit form '{form.Name}'.") : Decision.Accept(new StudyFormEntered(form.Name, c.Key, value));
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost(SubjectRoutes.Subject + "/forms/{form}", async (string studyId, string subjectNumber, string form, EnterStudyForm c, HttpContext http,
                IDocumentSession session, TimeProvider clock) =>
            (await CasebookCommands.Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, subjectNumber, c, SubjectRoutes.IfMatch(http), new { form },
                (s, command) => Decide(s, form, command), null, http.RequestAborted)).ToHttp())
        .Validated<EnterStudyForm>()
        .CasebookCommand()
        .Operation("enterStudyForm", "Enter a form of the study's definition", "Study forms")
        .RequestExample("""{"key": "W1", "data": {"date": "2024-03-04", "anc": 4.1, "haemoglobin": 12.3, "platelets": 240}, "version": 3}""");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex KeyPattern();
}
