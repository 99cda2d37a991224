using Marten;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Analyses;

/// <summary>Chooses what to analyse (a lock, the lock in force on a date, or an as-of moment) and who may.</summary>
public static class Analyses
{
    public static async Task<(AnalysisReport? Report, Rejection? Problem)> OfLock(IQuerySession session, DatabaseLock l, string? profileName, string? planName, DateTimeOffset now, CancellationToken ct)
    {
        var (profile, plan, problem) = await Methods(session, l.StudyId, profileName, planName, ct);
        if (problem is not null) return (null, problem);
        var (snapshot, changed) = await ReadLocks.FrozenSnapshot(session, l, ct);
        if (changed is not null) return (null, changed);
        var source = new AnalysisSource("lock", l.Name, l.SnapshotHash, l.Cutoff, l.HighWaterMark, null, l.Kind.ToString().ToLowerInvariant());
        return (AnalysisReport.Of(snapshot!, source, profile!, plan, now), null);
    }

    public static async Task<(AnalysisReport? Report, Rejection? Problem)> AsOf(IQuerySession session, string studyId, DateTimeOffset at, DateOnly? cutoff, string? profileName, string? planName, DateTimeOffset now, CancellationToken ct)
    {
        var (profile, plan, problem) = await Methods(session, studyId, profileName, planName, ct);
        if (problem is not null) return (null, problem);
        var highWaterMark = await CohortReplay.HighWaterMark(session, at, ct);
        var clinicalCutoff = cutoff ?? DateOnly.FromDateTime(at.UtcDateTime);
        var snapshot = await CohortReplay.Snapshot(session, studyId, clinicalCutoff, highWaterMark, ct);
        if (snapshot is null) return (null, Rejection.NotFound($"Study '{studyId}' as of {at:O}"));
        var source = new AnalysisSource("as-of", null, snapshot.CanonicalHash(), clinicalCutoff, highWaterMark, at);
        return (AnalysisReport.Of(snapshot, source, profile!, plan, now), null);
    }

    /// <summary>The profile, and the plan of that name saved for the study analysed (a plan of another study is refused, naming it).</summary>
    private static async Task<(AnalysisProfile?, AnalysisPlan?, Rejection?)> Methods(IQuerySession session, string studyId, string? profileName, string? planName, CancellationToken ct)
    {
        var profile = AnalysisProfile.Named(profileName ?? "paper");
        if (profile is null) return (null, null, Rejection.Invalid("profile", "Profiles: paper, r."));
        if (planName is null) return (profile, null, null);
        if (await session.LoadAsync<SavedPlan>(SavedPlan.IdFor(studyId, planName), ct) is { } saved) return (profile, saved.Plan, null);
        var elsewhere = await session.Query<SavedPlan>().Where(p => p.Plan.Name == planName).Select(p => p.StudyId).ToListAsync(ct);
        return (null, null, Rejection.Invalid("plan", elsewhere.Count > 0
            ? $"Plan '{planName}' is a plan of study {string.Join(", ", elsewhere)}, not of {studyId}; analyse with a plan saved for {studyId}."
            : $"Study {studyId} has no saved analysis plan '{planName}'."));
    }

    /// <summary>The formats a report is rendered in: the query's format=, else the Accept header's, else JSON.</summary>
    public static string Format(string? format, string? accept) => format?.ToLowerInvariant() switch
    {
        { } chosen => chosen,
        null when accept?.Contains("application/pdf", StringComparison.OrdinalIgnoreCase) == true => "pdf",
        null when accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true => "html",
        null when accept?.Contains("text/markdown", StringComparison.OrdinalIgnoreCase) == true => "md",
        _ => "json",
    };

    private static readonly string[] Formats = ["json", "md", "markdown", "html", "pdf"];

    /// <summary>A format= the reports do not come in is a 400, said before any analysis is run (not a JSON answer instead).</summary>
    public static IResult? UnknownFormat(string? format) => format is null || Formats.Contains(format.ToLowerInvariant()) ? null
        : Problems.Validation("format", $"'{format}' is not a report format: json, md, html or pdf.");

    public static async Task<IResult> Render(AnalysisReport report, string? format, string? accept, CancellationToken ct) => Format(format, accept) switch
    {
        "md" or "markdown" => Results.Text(ReportWriter.Markdown(report), "text/markdown"),
        "html" => Results.Text(ReportWriter.Html(report), "text/html"),
        "pdf" => Pdf(await PdfReport.Print(report, ct)),
        _ => Results.Text(report.ToJson().ToJsonString(ReportWriter.Indented), "application/json"),
    };

    /// <summary>What <see cref="Render"/> answers, by ?format= or the Accept header (json, md, html or pdf).</summary>
    private static readonly string[] ReportTypes = ["application/json", "text/markdown", "text/html", "application/pdf"];

    /// <summary>The PDF, inline; without Chromium a 501 that says what to install; a failed print a 503 with Chromium's reason.</summary>
    public static IResult Pdf(PdfOutcome outcome) => outcome switch
    {
        { Pdf: { } pdf } => Results.Bytes(pdf, "application/pdf"),
        { Unavailable: true } => Results.Problem(title: "PDF rendering is not available on this server.", detail: outcome.Problem, statusCode: StatusCodes.Status501NotImplemented),
        _ => Results.Problem(title: "The PDF could not be printed.", detail: outcome.Problem, statusCode: StatusCodes.Status503ServiceUnavailable),
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        SaveAnalysisPlan.Map(app);

        app.MapGet("/analysis-plans", async (string? studyId, IQuerySession session, CancellationToken ct) =>
                studyId is null ? await session.Query<SavedPlan>().ToListAsync(ct)
                    : (await session.Query<SavedPlan>().ToListAsync(ct)).Where(p => StableIds.Same(p.StudyId, studyId)).ToList())
            .RequireAuthorization(p => p.RequireRole(Roles.Statistician, Roles.Auditor, Roles.DataManager, Roles.Admin))
            .Produces<SavedPlan[]>().Refuses(403).Operation("listAnalysisPlans", "List saved analysis plans", "Analyses");

        // Statisticians analyse locks only; auditors any lock or as-of moment.
        // An analysis is of the whole cohort: readers whose work is one site's subjects (monitors, data managers) are refused.
        app.MapGet("/locks/{lockRef}/analysis", async (string lockRef, string? profile, string? plan, string? format, HttpRequest request, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (UnknownFormat(format) is { } badFormat) return badFormat;
            if (await ReadLocks.Find(session, lockRef, ct) is not { } l) return Problems.NotFound($"Lock '{lockRef}'");
            var (report, problem) = await OfLock(session, l, profile, plan, clock.GetUtcNow(), ct);
            return problem?.ToHttp() ?? await Render(report!, format, request.Headers.Accept.ToString(), ct);
        }).RequireAuthorization(p => p.RequireRole(ReadLocks.StudyWideReaders))
            .ProducesDocument(ReportTypes).Refuses(400, 403, 404, 409, 501).Operation("analyseLock", "Analyse a lock's frozen data (JSON, Markdown, HTML or PDF)", "Analyses");

        app.MapGet("/analyses/in-force", async (string studyId, DateTimeOffset on, string? profile, string? plan, string? format, HttpRequest request, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (UnknownFormat(format) is { } badFormat) return badFormat;
            if (await ReadLocks.InForceOn(session, studyId, on, ct) is not { } l) return Problems.NotFound($"A lock in force on {on:O}");
            var (report, problem) = await OfLock(session, l, profile, plan, clock.GetUtcNow(), ct);
            return problem?.ToHttp() ?? await Render(report!, format, request.Headers.Accept.ToString(), ct);
        }).RequireAuthorization(p => p.RequireRole(ReadLocks.StudyWideReaders))
            .ProducesDocument(ReportTypes).Refuses(400, 403, 404, 409, 501).Operation("analyseLockInForce", "Analyse the lock in force on a date", "Analyses");

        app.MapGet("/analyses/as-of", async (string studyId, DateTimeOffset at, DateOnly? cutoff, string? profile, string? plan, string? format, HttpRequest request, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (UnknownFormat(format) is { } badFormat) return badFormat;
            var (report, problem) = await AsOf(session, studyId, at.ToUniversalTime(), cutoff, profile, plan, clock.GetUtcNow(), ct);
            return problem?.ToHttp() ?? await Render(report!, format, request.Headers.Accept.ToString(), ct);
        }).RequireAuthorization(p => p.RequireRole(Roles.Auditor))
            .ProducesDocument(ReportTypes).Refuses(400, 403, 404, 409, 501).Operation("analyseAsOf", "Analyse a study as it stood at a moment (auditors)", "Analyses");
    }
}
