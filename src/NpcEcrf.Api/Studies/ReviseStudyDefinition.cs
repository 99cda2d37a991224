using System.Text.Json.Nodes;
using FluentValidation;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// A new version of the study's definition. Before any subject is enrolled it is a revision, in force at once; after,
/// it is an amendment: it says why and takes effect from a date (today or later), and data already entered stays
/// valid against the version it was entered under. An amendment may not take away what entered data uses (a form, an
/// item, a code, a term, an arm): it retires it instead, which keeps it for that data and refuses it for new entries.
/// </summary>
public sealed record ReviseStudyDefinition(StudyDefinition Definition, DateOnly? EffectiveFrom = null, string? Reason = null, long? Version = null, Guid? CommandId = null) : IRetryableCommand
{
    public sealed class Validator : AbstractValidator<ReviseStudyDefinition>
    {
        public Validator() => RuleFor(c => c.Reason).MaximumLength(1000);
    }

    public static Decision Decide(Study study, Actor actor, ReviseStudyDefinition c, DefinitionUse use, DateOnly today)
    {
        // A data manager builds the studies they work on; an admin any.
        if (!actor.Has(Roles.Admin) && !study.Sites.Any(s => actor.CanSeeSite(study.StudyId, s.SiteId)))
            return Rejection.Forbidden($"You are not assigned to study {study.StudyId}.");
        if (DefinitionRules.Problems(c.Definition) is { Count: > 0 } problems)
            return Rejection.Invalid(problems.ToDictionary(p => "definition." + p.Key, p => p.Value), "The study definition contradicts itself.");
        var latest = study.Latest;
        var amendment = use.Subjects > 0;
        if (amendment && string.IsNullOrWhiteSpace(c.Reason))
            return Rejection.Invalid("reason", $"{use.Subjects} subject(s) are enrolled: the definition now changes only by amendment, which says why.");
        if (amendment && c.EffectiveFrom is null)
            return Rejection.Invalid("effectiveFrom", "Say from which date the amendment takes effect.");
        var from = c.EffectiveFrom ?? today;
        if (amendment && from < today)
            return Rejection.Invalid("effectiveFrom", $"An amendment takes effect from today ({today:yyyy-MM-dd}) or later; data entered before stays under the version it was entered under.");
        if (from < latest.EffectiveFrom)
            return Rejection.Invalid("effectiveFrom", $"Version {latest.Version} takes effect on {latest.EffectiveFrom:yyyy-MM-dd}; a later version cannot take effect before it.");
        if (use.Invalidated(latest.Definition, c.Definition) is { Count: > 0 } invalidated)
            return Rejection.Invalid(invalidated, "The amendment would take away what entered data uses; retire it instead (retired: true), or keep it.");
        return Decision.Accept(new StudyDefinitionVersioned(latest.Version + 1, from, c.Definition, c.Reason, amendment));
    }

    /// <summary>The one way to version a definition, over HTTP and from the command line. No lock guard: the definition is not clinical data, and a lock keeps the version in force at its cut-off in its snapshot.</summary>
    public static Task<CommandOutcome> Run(IDocumentSession session, Actor actor, DateTimeOffset now, string studyId, ReviseStudyDefinition c, long? ifMatch, CancellationToken ct) =>
        CommandPipeline.Run(session, actor, new WriteRequest<Study>
        {
            StreamId = Study.IdFor(studyId), What = $"Study '{studyId}'", Roles = CreateStudy.Builders, Command = CommandKey.Of(c, new { ifMatch }),
            Stale = (study, _) => (c.Version ?? ifMatch) is { } seen && seen != study.Version ? new CommandOutcome.Stale(seen, study.Version) : null,
            DecideAsync = async (s, study) => Decide(study!, actor, c, await DefinitionUse.Of(s, study!.StudyId, ct), DateOnly.FromDateTime(now.UtcDateTime)),
            Answer = study => study,
        }, ct);

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPut("/studies/{studyId}/definition", async (string studyId, ReviseStudyDefinition c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
            (await Run(session, Actor.From(http.User), clock.GetUtcNow(), studyId, c, SubjectRoutes.IfMatch(http), http.RequestAborted)).ToHttp())
        .Validated<ReviseStudyDefinition>()
        .Command<Study>(underLocks: false)
        .WithMetadata(HonoursIfMatch.Instance)
        .Operation("reviseStudyDefinition", "Revise (before enrolment) or amend a study's definition", "Studies");
}

/// <summary>What the study's entered data uses of its definition: the subjects, and every study form, item, coded value, term and arm in use.</summary>
public sealed record DefinitionUse(int Subjects, IReadOnlyDictionary<string, int> Forms, IReadOnlyDictionary<string, int> Items, IReadOnlyDictionary<(string Item, string Code), int> Codes,
    IReadOnlyDictionary<string, int> Terms, IReadOnlyDictionary<string, int> Arms)
{
    public static async Task<DefinitionUse> Of(IQuerySession session, string studyId, CancellationToken ct) =>
        Of(await session.Query<Casebook>().Where(c => c.StudyId == studyId).ToListAsync(ct));

    /// <summary>Counts, per subject, each study form entered, each item holding a value ("form.item" of study forms; "demographics.sex"), each code, term and arm.</summary>
    public static DefinitionUse Of(IReadOnlyList<Casebook> casebooks)
    {
        var forms = new Dictionary<string, int>();
        var items = new Dictionary<string, int>();
        var codes = new Dictionary<(string, string), int>();
        var terms = new Dictionary<string, int>();
        var arms = new Dictionary<string, int>();
        static void Count<TKey>(Dictionary<TKey, int> counts, IEnumerable<TKey> keys) where TKey : notnull
        {
            foreach (var key in keys.Distinct()) counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        foreach (var c in casebooks)
        {
            Count(forms, c.Forms.Where(f => f.Value is JsonObject).Select(f => f.Form.Name));
            var values = c.Forms.Where(f => f.Value is JsonObject)
                .SelectMany(f => Leaves(f.Form.Name, (JsonObject)f.Value)).Where(v => v.Value is not null).ToList();
            Count(items, values.Select(v => v.Item));
            Count(codes, values.Where(v => v.Value!.GetValueKind() == System.Text.Json.JsonValueKind.String).Select(v => (v.Item, v.Value!.GetValue<string>())));
            if (c.One<Enrolment.DemographicsRecorded>() is { } demographics) Count(codes, [("demographics.sex", demographics.Sex)]);
            Count(terms, c.All<AdverseEvents.AdverseEventEntry>().Select(ae => ae.Report.Term));
            Count(arms, [c.Enrolment.Arm]);
        }
        return new DefinitionUse(casebooks.Count, forms, items, codes, terms, arms);
    }

    // "form.item" or "form.group[].item" for every value of a study form.
    private static IEnumerable<(string Item, JsonNode? Value)> Leaves(string form, JsonObject value) =>
        value.SelectMany(p => p.Value is JsonArray rows
            ? rows.OfType<JsonObject>().SelectMany(row => row.Select(cell => ($"{form}.{p.Key}[].{cell.Key}", cell.Value)))
            : [($"{form}.{p.Key}", p.Value)]);

    /// <summary>What a new definition would take away from the entered data, by the definition field that must keep it.</summary>
    public Dictionary<string, string[]> Invalidated(StudyDefinition previous, StudyDefinition next)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        var declared = Declared(next);
        var before = Declared(previous);
        // An entered form is read through the definition in force: one with no values left in it must stay declared too.
        foreach (var (form, subjects) in Forms.Where(f => next.StudyForms.All(x => x.Name != f.Key)))
            Add("definition.forms", $"Form '{form}' is entered for {subjects} subject(s): keep it (retire it) rather than remove it.");
        foreach (var (item, subjects) in Items)
        {
            if (!declared.TryGetValue(item, out var kept)) { Add("definition.forms", $"{item} holds data of {subjects} subject(s): keep it (retire it) rather than remove it."); continue; }
            if (before.TryGetValue(item, out var was) && was.DataType != kept.DataType)
                Add("definition.forms", $"{item} holds {was.DataType} data of {subjects} subject(s): its type cannot change to {kept.DataType}; retire it and add a new item.");
            foreach (var ((codedItem, code), users) in Codes.Where(x => x.Key.Item == item))
                if (kept.CodeList is { } listId && next.CodeList(listId) is { } list && !list.Codes.Contains(code))
                    Add("definition.codeLists", $"'{code}' of {codedItem} is entered for {users} subject(s): keep it in code list {listId}.");
        }
        foreach (var ((item, code), users) in Codes.Where(x => x.Key.Item == "demographics.sex"))
            if (next.CodeList(CdiscCodeLists.Sex) is { } sex && !sex.Codes.Contains(code))
                Add("definition.codeLists", $"Sex '{code}' is entered for {users} subject(s): keep it in code list {CdiscCodeLists.Sex}.");
        foreach (var (term, users) in Terms.Where(t => next.Term(t.Key) is null))
            Add("definition.adverseEvents.terms", $"'{term}' is reported for {users} subject(s): keep the term.");
        foreach (var (arm, users) in Arms.Where(a => next.Arm(a.Key) is null))
            Add("definition.treatment.arms", $"{users} subject(s) are in arm {arm}: keep the arm.");
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static Dictionary<string, Item> Declared(StudyDefinition d) =>
        d.StudyForms.SelectMany(f => StudyFormPaths.Items(f).Select(i => (Path: $"{f.Name}.{i.Path}", i.Item))).ToDictionary(x => x.Path, x => x.Item);
}
