using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Client;
using JsonObject = System.Text.Json.Nodes.JsonObject;

namespace NpcEcrf.Api.Demo;

/// <summary>The automatic data queries of a study: raised by soft checks; closed after the site's answer, or by a correction.</summary>
public sealed record QueryTally(int Raised, int AnsweredAndClosed, int ClosedByCorrection, int Open);

/// <summary>A lock of the second study: what the auditor verified and which definition version it froze.</summary>
public sealed record GemPdacLock(LockOutcome Outcome, int DefinitionVersion, int Subjects, IReadOnlyDictionary<string, int> SubjectsPerArm);

public sealed record GemPdacResult(
    GemPdacPlan Plan, DateOnly AmendmentEffectiveFrom, GemPdacLock Interim, GemPdacLock Final, JsonObject InterimAnalysis, JsonObject FinalAnalysis,
    QueryTally QueriesBeforeAmendment, QueryTally Queries, IReadOnlyDictionary<string, string> Reports)
{
    /// <summary>Both locks verify, the final one froze the amended definition, its analysis counts every subject, and no query is left open.</summary>
    public bool Succeeded => Interim.Outcome.Verified && Final.Outcome.Verified && Final.DefinitionVersion == 2 && Interim.DefinitionVersion == 1
        && FinalAnalysis["n"]?.GetValue<int>() == Plan.Subjects.Count && Queries.Open == 0;
}

/// <summary>
/// Runs the second study (Demo/Studies/gem-pdac.json) through the HTTP API as its people would, with the same code as the
/// reference study: the admin creates it from its definition; CRAs enter the first 24 subjects (weekly blood counts whose
/// values outside the soft ranges raise automatic queries) and answer those queries; the data manager declares a soft
/// interim lock, unlocks it and amends the protocol (version 2, in force from today); the CRAs correct the entry errors
/// and enter the last 12 subjects under version 2; investigators sign; the data manager declares the hard final lock with
/// today's cut-off, so it freezes version 2; the statistician analyses both locks.
/// </summary>
public sealed class GemPdacDemo(HttpClient http, Action<string> progress) : DemoSession(http, GemPdacStudy.StudyId)
{
    private const string Study = GemPdacStudy.StudyId;
    public const string InterimLock = "gem-pdac-interim";
    public const string FinalLock = "gem-pdac-final";

    public async Task<GemPdacResult> Run(string adminUsername, string outDir)
    {
        var plan = GemPdacCrf.Create();
        await Login(adminUsername);
        progress($"Setting up {Study} from Demo/Studies/{GemPdacStudy.Name}.json, {GemPdacStudy.Sites.Length} sites and the study team...");
        var admin = As(adminUsername);
        await Call("POST /studies", () => admin.CreateStudyAsync(Body<CreateStudy>(new { studyId = Study, title = GemPdacStudy.Title, definition = StudyDefinitions.Load(GemPdacStudy.Name) })));
        foreach (var (id, name, zone) in GemPdacStudy.Sites)
        {
            await Call("POST /studies/{studyId}/sites", () => admin.AddSiteAsync(Study, new AddSite { SiteId = id, Name = name, TimeZone = zone }));
            await CreateUser($"cra.{id.ToLowerInvariant()}", $"CRA {name}", ["cra"], [$"{Study}/{id}"]);
            await CreateUser($"pi.{id.ToLowerInvariant()}", $"Principal investigator, {name}", ["investigator"], [$"{Study}/{id}"]);
        }
        var allSites = GemPdacStudy.Sites.Select(s => $"{Study}/{s.Id}").ToArray();
        await CreateUser("monitor", "Study monitor", ["monitor"], allSites);
        await CreateUser("dm", "Data manager", ["data-manager"], allSites);
        await CreateUser("stat", "Study statistician", ["statistician"], []);
        await CreateUser("auditor", "Quality auditor", ["auditor"], []);

        var versions = new ConcurrentDictionary<string, long>();
        var before = plan.Subjects.Where(s => !s.Patient.EnteredAfterAmendment).ToList();
        progress($"Entering subjects 1-{before.Count} under definition version 1...");
        await AtEachSite(before, subject => Enter(subject, versions));
        await AnswerConfirmedValues(plan);
        var queriesBefore = await Queries();
        progress($"  {queriesBefore.Raised} automatic data queries raised, {queriesBefore.Open} open (entry errors awaiting correction)");

        progress($"Interim lock (soft) at cut-off {GemPdacStudy.InterimCutoff:yyyy-MM-dd}, analysed, then unlocked...");
        var dm = As("dm");
        var interimLock = await Call("POST /locks", () => dm.LockDatabaseAsync(new LockDatabase { StudyId = Study, Name = InterimLock, Cutoff = GemPdacStudy.InterimCutoff, Reason = "Interim safety and activity review", Kind = LockDatabaseKind.Soft }));
        var interimAnalysis = await Analysis(InterimLock);
        var interim = await LockOf(interimLock);
        await Call("POST /locks/{lockRef}/unlock", () => dm.UnlockDatabaseAsync(InterimLock, new UnlockDatabase { Reason = "Interim review done; the study goes on under amendment 1." }));

        // An amendment takes effect from today or later: data entered before stays under version 1.
        var effectiveFrom = DateOnly.FromDateTime(DateTime.UtcNow);
        var study = await Call("GET /studies/{studyId}", () => dm.GetStudyAsync(Study));
        var amended = GemPdacStudy.Amendment1(StudyDefinitions.Load(GemPdacStudy.Name));
        await Call("PUT /studies/{studyId}/definition", () => dm.ReviseStudyDefinitionAsync(Study, Body<ReviseStudyDefinition>(new { definition = amended, effectiveFrom, reason = GemPdacStudy.AmendmentReason, version = study.Version })));
        progress($"Amendment 1 (definition version 2) in force from {effectiveFrom:yyyy-MM-dd}: bilirubin in the labs, platelet soft range from 75, '{GemPdacStudy.PlateletCountDecreased}' reportable");

        progress("Corrections of the entry errors, then subjects entered under version 2...");
        foreach (var error in plan.Errors.Where(e => before.Any(s => s.SubjectNumber == e.SubjectNumber))) await Correct(plan, error, versions);
        var after = plan.Subjects.Where(s => s.Patient.EnteredAfterAmendment).ToList();
        await AtEachSite(after, subject => Enter(subject, versions));
        await AnswerConfirmedValues(plan);
        foreach (var error in plan.Errors.Where(e => after.Any(s => s.SubjectNumber == e.SubjectNumber))) await Correct(plan, error, versions);
        await AtEachSite(plan.Subjects, async subject =>
            versions[subject.SubjectNumber] = (await SubjectPost($"pi.{subject.SiteId.ToLowerInvariant()}", subject.SubjectNumber, "/signatures",
                new { meaning = "I have reviewed this casebook and confirm it is complete and accurate.", password = Password }, versions[subject.SubjectNumber])).Version);
        var queries = await Queries();
        progress($"  {plan.Errors.Count} corrections, {queries.Open} queries open, {plan.Subjects.Count} casebooks signed");

        var cutoff = DateOnly.FromDateTime(DateTime.UtcNow);
        progress($"Final lock (hard) at cut-off {cutoff:yyyy-MM-dd}, verified and analysed...");
        var finalLock = await Call("POST /locks", () => dm.LockDatabaseAsync(new LockDatabase { StudyId = Study, Name = FinalLock, Cutoff = cutoff, Reason = "Final analysis", Kind = LockDatabaseKind.Hard }));
        var finalAnalysis = await Analysis(FinalLock);
        var final = await LockOf(finalLock);

        Directory.CreateDirectory(outDir);
        var reports = new Dictionary<string, string>();
        foreach (var lockName in new[] { InterimLock, FinalLock })
            foreach (var format in new[] { "json", "md", "html" })
            {
                var path = Path.Combine(outDir, $"{lockName}-analysis.{format}");
                await File.WriteAllTextAsync(path, format == "json"
                    ? (lockName == FinalLock ? finalAnalysis : interimAnalysis).ToJsonString(Analyses.ReportWriter.Indented)
                    : await Text($"GET /locks/{lockName}/analysis?format={format}", () => As("stat").AnalyseLockAsync(lockName, format: format)));
                reports[$"{lockName}.{format}"] = Path.GetFullPath(path);
            }
        // The final report as a PDF too, where this machine has Chromium to print it.
        if (Analyses.PdfReport.FindChromium() is not null)
        {
            var pdf = Path.Combine(outDir, $"{FinalLock}-analysis.pdf");
            await File.WriteAllBytesAsync(pdf, await Bytes($"GET /locks/{FinalLock}/analysis?format=pdf", () => As("stat").AnalyseLockAsync(FinalLock, format: "pdf")));
            reports[$"{FinalLock}.pdf"] = Path.GetFullPath(pdf);
        }
        return new GemPdacResult(plan, effectiveFrom, interim, final, interimAnalysis, finalAnalysis, queriesBefore, queries, reports);
    }

    /// <summary>The sites work at the same time, as they would: each on its own subjects, in order of enrolment.</summary>
    private static Task AtEachSite(IEnumerable<GemPdacSubject> subjects, Func<GemPdacSubject, Task> work) =>
        Task.WhenAll(subjects.GroupBy(s => s.SiteId).Select(async site =>
        {
            foreach (var subject in site) await work(subject);
        }));

    private async Task Enter(GemPdacSubject subject, ConcurrentDictionary<string, long> versions)
    {
        var cra = Cra(subject.SiteId);
        var casebook = await Call("POST /studies/{studyId}/subjects", () => As(cra).EnrolSubjectAsync(Study, Body<EnrolSubject>(subject.Enrolment)));
        versions[subject.SubjectNumber] = casebook.Version;
        foreach (var entry in subject.Entries)
            versions[subject.SubjectNumber] = (await SubjectPost(cra, subject.SubjectNumber, entry.Path, entry.Body, versions[subject.SubjectNumber])).Version;
    }

    /// <summary>A CRA corrects a wrong value with its reason; the soft check clears and the system closes the automatic query.</summary>
    private async Task Correct(GemPdacPlan plan, PlannedError error, ConcurrentDictionary<string, long> versions)
    {
        var site = plan.Subjects.Single(s => s.SubjectNumber == error.SubjectNumber).SiteId;
        versions[error.SubjectNumber] = (await SubjectPost(Cra(site), error.SubjectNumber, "/corrections",
            new { form = error.Form, field = error.Field, newValue = error.RightValue, reason = error.Reason }, versions[error.SubjectNumber])).Version;
    }

    /// <summary>Open automatic queries on values that are right (not entry errors): the CRA confirms them against the source, the monitor closes them.</summary>
    private async Task AnswerConfirmedValues(GemPdacPlan plan)
    {
        foreach (var (site, _, _) in GemPdacStudy.Sites)
            foreach (var q in await Call("GET /studies/{studyId}/sites/{siteId}/data-queries", () => As("monitor").ListSiteDataQueriesAsync(Study, site, openOnly: true)))
            {
                if (q.Origin != DataQueryOrigin.EditCheck || q.State != DataQueryState.Open
                    || plan.Errors.Any(e => e.SubjectNumber == q.SubjectNumber && e.Form == q.Form && e.Field == q.Field)) continue;
                await Call("POST /data-queries/{id}/answer", () => As(Cra(site)).AnswerDataQueryAsync(q.Id, new AnswerDataQuery { Text = "Confirmed against the laboratory report; the value is as entered (adverse event reported where it has a grade)." }));
                await Call("POST /data-queries/{id}/close", () => As("monitor").CloseDataQueryAsync(q.Id, new CloseDataQuery { Text = "Confirmed at source; closed." }));
            }
    }

    private async Task<QueryTally> Queries()
    {
        int raised = 0, answered = 0, corrected = 0, open = 0;
        foreach (var (site, _, _) in GemPdacStudy.Sites)
            foreach (var q in await Call("GET /studies/{studyId}/sites/{siteId}/data-queries", () => As("monitor").ListSiteDataQueriesAsync(Study, site)))
            {
                if (q.Origin != DataQueryOrigin.EditCheck) continue;
                raised++;
                var messages = (await Call("GET /data-queries/{id}", () => As("monitor").GetDataQueryAsync(q.Id))).Messages.Select(m => m.Kind).ToList();
                if (q.State is DataQueryState.Open or DataQueryState.Answered) open++;
                else if (messages.Contains("closed automatically")) corrected++;
                else if (messages.Contains("closed")) answered++;
            }
        return new QueryTally(raised, answered, corrected, open);
    }

    private async Task<JsonObject> Analysis(string lockName) => Object(await Text($"GET /locks/{lockName}/analysis", () => As("stat").AnalyseLockAsync(lockName)));

    /// <summary>The lock as the auditor verifies it, with the definition version and the arms of the subjects it froze (in the definition's order).</summary>
    private async Task<GemPdacLock> LockOf(DatabaseLock l)
    {
        var outcome = await Verify(l);
        var snapshot = await Call($"GET /locks/{outcome.Name}/snapshot", () => As("stat").GetLockSnapshotAsync(outcome.Name));
        var order = StudyDefinitions.Load(GemPdacStudy.Name).Treatment.Arms.Select(a => a.Code).ToList();
        var arms = snapshot.Subjects.GroupBy(s => s.Arm!)
            .OrderBy(g => order.IndexOf(g.Key)).ToDictionary(g => g.Key, g => g.Count());
        return new GemPdacLock(outcome, l.DefinitionVersion ?? throw new DemoFailedException($"Lock {l.Name} names no definition version."), arms.Values.Sum(), arms);
    }
}
