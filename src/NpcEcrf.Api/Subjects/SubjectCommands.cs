using System.Text.Json;
using Marten;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Subjects;

/// <summary>What every change to an existing subject carries.</summary>
public interface ISubjectCommand
{
    /// <summary>The casebook version the user saw (or send If-Match); a stale one writes nothing.</summary>
    long? Version { get; }
    /// <summary>Client-chosen id: retrying the same command writes nothing twice and answers the same.</summary>
    Guid? CommandId { get; }
}

/// <summary>Everything a pure decision may look at.</summary>
public sealed record SubjectContext(Casebook Casebook, Study Study, DateOnly Today, Actor Actor);

/// <summary>A retried command's first answer, kept in the same transaction as its events.</summary>
public sealed record ProcessedCommand(Guid Id, Guid SubjectId, long Version, string Response);

/// <summary>
/// The single path of every subject command: authorise, check the version, decide (pure), run the
/// casebook-wide edit checks on the result, append, save. Nothing is written unless all of it passes.
/// </summary>
public static class SubjectCommands
{
    public const string ReasonHeader = "reasonForChange";
    public static readonly string[] WriterRoles = [Roles.Cra, Roles.Investigator];

    /// <param name="roles">Who may run the command (default: site staff).</param>
    /// <param name="alongside">More writes for the same transaction, given the casebook as it will be.</param>
    /// <param name="writeKind">Whether a soft database lock lets the command through (review work) or not (data).</param>
    public static async Task<IResult> Run<TCommand>(
        HttpContext http, IDocumentSession session, string studyId, string subjectNumber, TCommand command,
        Func<SubjectContext, TCommand, Decision> decide, string? reasonForChange = null, string[]? roles = null,
        Func<IDocumentSession, Casebook, Task<IResult?>>? alongside = null, Locks.WriteKind writeKind = Locks.WriteKind.Data)
        where TCommand : ISubjectCommand
    {
        var ct = http.RequestAborted;
        var actor = Actor.From(http.User);
        roles ??= WriterRoles;
        if (!actor.Has(roles)) return Problems.Forbidden($"This needs one of the roles: {string.Join(", ", roles)}.");

        var stream = await session.Events.FetchForWriting<Casebook>(Casebook.IdFor(studyId, subjectNumber), ct);
        if (stream.Aggregate is not { } casebook || !actor.CanSeeSite(casebook.SiteId))
            return Problems.NotFound($"Subject {subjectNumber} of study {studyId}");

        if (command.CommandId is { } commandId && await session.LoadAsync<ProcessedCommand>(commandId, ct) is { } done)
            return done.SubjectId == casebook.Id
                ? Results.Text(done.Response, "application/json")
                : Problems.Conflict("That command id was already used for another subject.");

        var expected = command.Version ?? IfMatch(http);
        if (expected is null) return Problems.Validation("version", "Send the casebook version you saw (version field or If-Match).");
        if (expected != casebook.Version) return Problems.StaleVersion(expected.Value, casebook.Version);

        if (await Locks.LockGuard.Check(session, studyId, writeKind, ct) is { } locked) return locked;

        var study = await session.LoadAsync<Study>(Study.IdFor(studyId), ct);
        if (study is null) return Problems.NotFound($"Study '{studyId}'");
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var decision = decide(new SubjectContext(casebook, study, DateOnly.FromDateTime(now.UtcDateTime), actor), command);
        if (decision.Rejection is { } rejection) return rejection.ToProblem();

        var (events, after, refusal) = Check(casebook, study, decision.Events, actor.Username, now);
        if (refusal is not null) return refusal;

        stream.AppendMany(events);
        if (reasonForChange is not null) session.SetHeader(ReasonHeader, reasonForChange);
        await DataQueryAutomation.FollowEditChecks(session, after, events, ct);
        if (alongside is not null && await alongside(session, after) is { } alongsideRefusal) return alongsideRefusal;
        if (command.CommandId is { } id)
        {
            session.CausationId = id.ToString();
            session.Insert(new ProcessedCommand(id, casebook.Id, after.Version, JsonSerializer.Serialize(after, CasebookForms.Json)));
        }
        await session.SaveChangesAsync(ct);
        return Results.Json(after, CasebookForms.Json);
    }

    /// <summary>Runs the edit checks on the casebook the events would produce.</summary>
    public static (IReadOnlyList<object> Events, Casebook After, IResult? Refusal) Check(
        Casebook before, Study study, IReadOnlyList<object> events, string user, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var after = CasebookReplay.After(before, events, user, now);
        var existing = EditChecks.Hard(before, study, today).ToHashSet();
        var introduced = EditChecks.Hard(after, study, today).Where(f => !existing.Contains(f)).ToList();
        if (introduced.Count > 0)
            return (events, after, Results.ValidationProblem(
                introduced.GroupBy(f => Field(f)).ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray()),
                title: "The data failed its edit checks."));

        var flagged = before.Flags.Select(f => (f.CheckId, f.Form, f.Field)).ToHashSet();
        var soft = EditChecks.Soft(after).ToList();
        var raised = soft.Where(f => !flagged.Contains((f.CheckId, f.Form, f.Field)))
            .Select(f => (object)new EditCheckFlagged(f.CheckId, f.Form, f.Field, f.Message));
        var cleared = before.Flags.Where(f => !soft.Any(s => s.CheckId == f.CheckId && s.Form == f.Form && s.Field == f.Field))
            .Select(f => (object)new EditCheckCleared(f.CheckId, f.Form, f.Field));
        var revoked = RevokedVerifications(before, after, events);
        var all = events.Concat(raised).Concat(cleared).Concat(revoked).ToList();
        return (all, all.Count == events.Count ? after : CasebookReplay.After(before, all, user, now), null);
    }

    /// <summary>A verified value that changes is un-verified, visibly, in the same transaction.</summary>
    private static IEnumerable<object> RevokedVerifications(Casebook before, Casebook after, IReadOnlyList<object> events)
    {
        var changedForms = after.FormVersions.Where(f => f.Version > before.Version).Select(f => f.Form).ToHashSet();
        var correctedFields = events.OfType<DataPointCorrected>().Select(c => (c.Form, c.Field)).ToHashSet();
        var reEntered = changedForms.Where(form => !correctedFields.Any(c => c.Form == form)).ToHashSet();
        return before.Verifications
            .Where(v => v.Active && changedForms.Contains(v.Form)
                && (v.Field is null || reEntered.Contains(v.Form) || correctedFields.Contains((v.Form, v.Field))))
            .Select(v => new SourceDataVerificationRevoked(v.Form, v.Field, after.FormVersions.First(f => f.Form == v.Form).Version));
    }

    /// <summary>Errors name the field as the request names it, prefixed by the form when it is another form's.</summary>
    private static string Field(CheckFinding f) => $"{f.Form}.{f.Field}";

    private static long? IfMatch(HttpContext http) =>
        long.TryParse(http.Request.Headers.IfMatch.ToString().Trim('"', 'W', '/'), out var v) ? v : null;
}
