using Marten;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

/// <summary>What every change to an existing subject carries.</summary>
public interface ISubjectCommand : IRetryableCommand
{
    /// <summary>The casebook version the user saw (or send If-Match); a change to what the command touches since then writes nothing.</summary>
    long? Version { get; }
}

/// <summary>Everything a pure decision may look at; <see cref="Today"/> is the site's date.</summary>
public sealed record SubjectContext(Casebook Casebook, Study Study, Actor Actor, DateOnly Today)
{
    /// <summary>The definition in force at the site today: what a new entry is held to.</summary>
    public StudyDefinition Definition => Study.VersionOn(Today).Definition;
}

/// <summary>How one casebook command differs from a plain data entry.</summary>
public sealed record CasebookWrite(string[]? Roles = null, Locks.WriteKind Kind = Locks.WriteKind.Data, string? ReasonForChange = null,
    Func<IDocumentSession, Casebook, IReadOnlyList<object>, Task<Rejection?>>? Alongside = null);

/// <summary>
/// Casebook commands through the one pipeline: the subject's study and site decide visibility and locks, the form
/// checks run on the casebook as it would be after the change, soft findings become flags (and automatic data
/// queries), verified values that change are un-verified, and a change is stale only if what it touches changed.
/// </summary>
public static class CasebookCommands
{
    public static readonly string[] WriterRoles = [Roles.Cra, Roles.Investigator];

    /// <param name="target">What the route names beyond the subject that <paramref name="decide"/> uses (a form, an adverse event), null if nothing:
    /// with the body and the If-Match version, it is what a retry of the command must repeat.</param>
    public static async Task<CommandOutcome> Run<TCommand>(IDocumentSession session, Actor actor, DateTimeOffset now, string studyId, string subjectNumber,
        TCommand command, long? ifMatch, object? target, Func<SubjectContext, TCommand, Decision> decide, CasebookWrite? write, CancellationToken ct)
        where TCommand : ISubjectCommand
    {
        write ??= new CasebookWrite();
        var what = $"Subject {subjectNumber} of study {studyId}";
        // The study, its locks and the casebook in one round trip (the ids are canonical, so the route's spelling finds them).
        var batch = session.CreateBatchQuery();
        var studyRead = batch.Load<Study>(Study.IdFor(studyId));
        var streamId = Casebook.IdFor(studyId, subjectNumber);
        var key = CommandKey.Of(command, new { target, ifMatch });
        var read = CommandPipeline.Enlist<Casebook>(session, batch, streamId, startsStream: false, key, lockedStudy: studyId);
        await batch.Execute(ct);
        if (await studyRead is not { } study) return Rejection.NotFound(what);
        if ((command.Version ?? ifMatch) is not { } expected) return Rejection.Invalid("version", "Send the casebook version you saw (version field or If-Match).");
        return await CommandPipeline.Run(session, actor, new WriteRequest<Casebook>
        {
            StreamId = streamId,
            Read = read,
            What = what,
            Roles = write.Roles ?? WriterRoles,
            MaySee = c => actor.CanSeeSite(c.StudyId, c.SiteId) && c.StudyId == study.StudyId,
            Command = key,
            // The checks and rules are built on the subject's enrolment; a subject imported from another system without
            // one is kept as it came (read, exported, audited), not written to.
            Decide = c => c!.Enrolled
                ? decide(new SubjectContext(c, study, actor, study.Today(c.SiteId, now)), command)
                : Rejection.Conflict($"{what} was imported without an enrolment form; its casebook is read-only here (the checks need the enrolment)."),
            Stale = (c, events) => Staleness(c, events, expected),
            LockedStudy = _ => study.StudyId,
            Kind = write.Kind,
            Check = (c, events) => Check(c, study, streamId, events, actor.Username, now),
            Alongside = async (s, c, events) => await DataQueryAutomation.FollowEditChecks(s, c!, events, ct)
                ?? (write.Alongside is null ? null : await write.Alongside(s, c!, events)),
            ReasonForChange = write.ReasonForChange,
            Answer = c => CasebookView.Of(c, study, now),
        }, ct);
    }

    /// <summary>
    /// Runs every check on the casebook the events would produce. A hard finding that the change introduces refuses it
    /// (naming the form and field); soft findings are flagged or cleared; verifications of changed values are revoked.
    /// </summary>
    public static CheckedEvents Check(Casebook? before, Study study, Guid streamId, IReadOnlyList<object> events, string user, DateTimeOffset now)
    {
        var after = CasebookEvolution.After(before, streamId, events, user, now);
        var today = study.Today(after.SiteId, now);
        var existing = before is null ? [] : Findings(before, study, today, Severity.Hard).ToHashSet();
        var introduced = Findings(after, study, today, Severity.Hard).Where(f => !existing.Contains(f)).Distinct().ToList();
        if (introduced.Count > 0)
            return new CheckedEvents(events, Rejection.Invalid(
                introduced.GroupBy(f => $"{f.Form}.{f.Field}").ToDictionary(g => g.Key, g => g.Select(f => f.Message).Distinct().ToArray()),
                "The data failed its edit checks."));

        var flags = before?.Flags ?? [];
        var soft = Findings(after, study, today, Severity.Soft).Distinct().ToList();
        var raised = soft.Where(f => !flags.Any(x => Same(x, f))).Select(f => (object)new EditCheckFlagged(f.CheckId, f.Form.ToString(), f.Field, f.Message));
        var cleared = flags.Where(x => !soft.Any(f => Same(x, f))).Select(x => (object)new EditCheckCleared(x.CheckId, x.Form, x.Field));
        return new CheckedEvents([.. events, .. raised, .. cleared, .. RevokedVerifications(before, after, events)]);
    }

    public static IEnumerable<CheckFinding> Findings(Casebook casebook, Study study, DateOnly today, Severity severity)
    {
        var context = new CheckContext(casebook, study, today);
        return FormSet.Of(context.Definition).Checks.Where(c => c.Severity == severity).SelectMany(c => c.Run(context));
    }

    private static bool Same(EditCheckFlagged flag, CheckFinding f) => flag.CheckId == f.CheckId && flag.Form == f.Form.ToString() && flag.Field == f.Field;

    /// <summary>A verified value that changes is un-verified, visibly, in the same transaction.</summary>
    private static IEnumerable<object> RevokedVerifications(Casebook? before, Casebook after, IReadOnlyList<object> events)
    {
        if (before is null) return [];
        var changed = after.Forms.Where(f => f.Version > before.Version).ToDictionary(f => f.Form.ToString(), f => f.Version);
        var corrected = events.OfType<DataPointCorrected>().Select(c => (c.Form, c.Field)).ToHashSet();
        return before.Verifications
            .Where(v => v.Active && changed.ContainsKey(v.Form)
                && (v.Field is null || corrected.All(c => c.Form != v.Form) || corrected.Contains((v.Form, v.Field))))
            .Select(v => new SourceDataVerificationRevoked(v.Form, v.Field, changed[v.Form]));
    }

    /// <summary>
    /// Stale only if what the command touches changed since the version the user saw: its form, the subject's identity,
    /// or (for a signature) any data. Review work elsewhere in the casebook never makes a site's save fail.
    /// </summary>
    public static CommandOutcome.Stale? Staleness(Casebook c, IReadOnlyList<object> events, long expected)
    {
        var stale = new CommandOutcome.Stale(expected, c.Version);
        if (expected > c.Version || c.IdentityVersion > expected) return stale;
        if (events.OfType<CasebookSigned>().Any() && c.LastDataVersion > expected) return stale;
        return Touched(c, events).Any(form => c.Entry(form)?.Version > expected) ? stale : null;
    }

    private static IEnumerable<FormRef> Touched(Casebook c, IEnumerable<object> events) => events.Select(e => e switch
    {
        DataPointCorrected corrected => FormRef.Parse(corrected.Form),
        StudyForms.StudyFormEntered entered => new FormRef(entered.Form, entered.Key),
        SourceDataVerified verified => FormRef.Parse(verified.Form),
        _ => FormCatalogue.ForEvent(e.GetType()) is var (form, binding) ? form.Ref(binding.Key(e, c)) : (FormRef?)null,
    }).OfType<FormRef>();

    /// <summary>Forms entered once: a second entry is refused (changes go through a correction, which keeps the old value and a reason).</summary>
    public static Decision Once(object? existing, string form, object @event) => existing is null
        ? Decision.Accept(@event)
        : Rejection.Conflict($"The {form} form is already entered; send a correction (POST .../corrections) with a reason.");
}
