using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Client;

using JsonElement = System.Text.Json.JsonElement;
using JsonObject = System.Text.Json.Nodes.JsonObject;

namespace NpcEcrf.Api.Demo;

public sealed record LockOutcome(string Name, string Cutoff, string Hash, bool Verified);

public sealed record DemoResult(
    JsonObject FinalAnalysis, JsonObject InterimAnalysis, LockOutcome Interim, LockOutcome Final, bool InterimHashUnchanged,
    IReadOnlyList<FactCheck> Checks, IReadOnlyDictionary<string, string> Reports, DemoAuditSample Audit)
{
    public bool AllReproduced => Checks.All(c => c.Matches) && Interim.Verified && Final.Verified && InterimHashUnchanged;
}

/// <summary>What an auditor sees of one corrected field: both values, the reason, the user, and the casebook before.</summary>
public sealed record DemoAuditSample(string Subject, string Field, string? OldValue, string? NewValue, string? Reason, string? User, JsonElement CasebookBefore);

/// <summary>
/// Runs the reference study through the HTTP API as its people would: an admin sets up the study and accounts;
/// each site's CRA enters its patients; monitors query and verify; investigators sign; the data manager
/// locks (interim, then final); the statistician analyses. Nothing is written to the database directly.
/// </summary>
public sealed class DemoRunner(HttpClient http, Action<string> progress) : DemoSession(http, ReferenceStudy.StudyId)
{
    private const string Study = ReferenceStudy.StudyId;

    public async Task<DemoResult> Run(string adminUsername, string outDir)
    {
        var plan = ReferenceStudyCrf.Create();
        await Login(adminUsername);
        progress("Setting up the study, 7 sites and the study team...");
        var admin = As(adminUsername);
        await Call("POST /studies", () => admin.CreateStudyAsync(Body<CreateStudy>(new { studyId = Study, title = ReferenceStudy.Title, definition = StudyDefinitions.Load(StudyDefinitions.Reference) })));
        foreach (var (id, name) in ReferenceStudy.Sites)
        {
            await Call("POST /studies/{studyId}/sites", () => admin.AddSiteAsync(Study, new AddSite { SiteId = id, Name = name }));
            await CreateUser($"cra.{id.ToLowerInvariant()}", $"CRA {name}", ["cra"], [id]);
            await CreateUser($"pi.{id.ToLowerInvariant()}", $"Principal investigator, {name}", ["investigator"], [id]);
        }
        var allSites = ReferenceStudy.Sites.Select(s => s.Id).ToArray();
        await CreateUser("monitor", "Study monitor", ["monitor"], allSites);
        await CreateUser("dm", "Data manager", ["data-manager"], allSites);
        await CreateUser("stat", "Study statistician", ["statistician"], []);
        await CreateUser("auditor", "Quality auditor", ["auditor"], []);

        var versions = new Dictionary<string, long>();
        var entered = 0;
        foreach (var subject in plan.Subjects.OrderBy(s => s.FirstDose))
        {
            var cra = Cra(subject.SiteId);
            var casebook = await Call("POST /studies/{studyId}/subjects", () => As(cra).EnrolSubjectAsync(Study, Body<EnrolSubject>(new
            {
                subjectNumber = subject.SubjectNumber, siteId = subject.SiteId, consentDate = subject.FirstDose.AddDays(-5),
                enrolmentDate = subject.FirstDose.AddDays(-2), eligibility = ReferenceStudyCrf.Eligible,
            })));
            versions[subject.SubjectNumber] = casebook.Version;
            foreach (var entry in subject.Entries)
                versions[subject.SubjectNumber] = (await SubjectPost(cra, subject.SubjectNumber, entry.Path, entry.Body, versions[subject.SubjectNumber])).Version;
            progress($"  {subject.SubjectNumber} ({subject.SiteId}): {subject.Entries.Count + 1} forms entered ({++entered}/30)");
        }

        progress("Monitoring: source data verification and data queries...");
        foreach (var subject in plan.Subjects)
            foreach (var form in new[] { "demographics", "first-dose", "metastatic-sites" })
                versions[subject.SubjectNumber] = (await SubjectPost("monitor", subject.SubjectNumber, "/verifications", new { form }, versions[subject.SubjectNumber])).Version;
        var monitor = As("monitor");
        var queries = new Dictionary<string, Guid>();
        foreach (var error in plan.Errors.Where(e => e.Detection == Detection.Monitor))
            queries[error.SubjectNumber] = (await Call("POST /data-queries", () => monitor.RaiseDataQueryAsync(
                new RaiseDataQuery { StudyId = Study, SubjectNumber = error.SubjectNumber, Form = error.Form, Field = error.Field, Text = error.QueryText }))).Id;
        // A query answered in words and closed: the value was right.
        var confirmed = plan.Subjects.First(s => s.SubjectNumber == ReferenceStudyCrf.SubjectNumber(8));
        var ageQuery = (await Call("POST /data-queries", () => monitor.RaiseDataQueryAsync(new RaiseDataQuery { StudyId = Study, SubjectNumber = confirmed.SubjectNumber, Form = "demographics", Field = "ageAtEnrolment", Text = "Age 76 is the oldest in the study; please confirm against the ID card." }))).Id;
        await Call("POST /data-queries/{id}/answer", () => As(Cra(confirmed.SiteId)).AnswerDataQueryAsync(ageQuery, new AnswerDataQuery { Text = "Confirmed against the ID card: 76 at enrolment." }));
        await Call("POST /data-queries/{id}/close", () => monitor.CloseDataQueryAsync(ageQuery, new CloseDataQuery { Text = "Thank you." }));
        var openAtInterim = await OpenQueries();
        progress($"  {openAtInterim} data queries open (automatic and manual)");

        progress($"Interim lock (soft) at cut-off {plan.InterimCutoff:yyyy-MM-dd}...");
        var dm = As("dm");
        var interim = await Call("POST /locks", () => dm.LockDatabaseAsync(new LockDatabase { StudyId = Study, Name = "interim-2022", Cutoff = plan.InterimCutoff, Reason = "Interim analysis of response and survival", Kind = LockDatabaseKind.Soft }));
        await Call("POST /locks/{lockRef}/unlock", () => dm.UnlockDatabaseAsync("interim-2022", new UnlockDatabase { Reason = "Interim analysis complete; data cleaning resumes before the final lock." }));

        progress("Corrections answering the queries, then signatures...");
        foreach (var error in plan.Errors)
        {
            var body = new Dictionary<string, object?> { ["form"] = error.Form, ["field"] = error.Field, ["newValue"] = error.RightValue, ["reason"] = error.Reason };
            if (queries.TryGetValue(error.SubjectNumber, out var queryId)) body["dataQueryId"] = queryId;
            var site = plan.Subjects.First(s => s.SubjectNumber == error.SubjectNumber).SiteId;
            versions[error.SubjectNumber] = (await SubjectPost(Cra(site), error.SubjectNumber, "/corrections", body, versions[error.SubjectNumber])).Version;
            if (queries.TryGetValue(error.SubjectNumber, out var answered))
                await Call("POST /data-queries/{id}/close", () => monitor.CloseDataQueryAsync(answered, new CloseDataQuery { Text = "Corrected; closed." }));
        }
        foreach (var subject in plan.Subjects)
        {
            var investigator = $"pi.{subject.SiteId.ToLowerInvariant()}";
            versions[subject.SubjectNumber] = (await SubjectPost(investigator, subject.SubjectNumber, "/signatures",
                new { meaning = "I have reviewed this casebook and confirm it is complete and accurate.", password = Password }, versions[subject.SubjectNumber])).Version;
        }
        progress($"  {plan.Errors.Count} corrections, {await OpenQueries()} queries still open, 30 casebooks signed");

        progress($"Final lock (hard) at cut-off {plan.FinalCutoff:yyyy-MM-dd}...");
        var final = await Call("POST /locks", () => dm.LockDatabaseAsync(new LockDatabase { StudyId = Study, Name = "final", Cutoff = plan.FinalCutoff, Reason = "Final analysis", Kind = LockDatabaseKind.Hard }));
        var stat = As("stat");
        await Call("POST /analysis-plans", () => stat.SaveAnalysisPlanAsync(Body<SaveAnalysisPlan>(new
        {
            studyId = Study, name = "paper-pfs-multivariate", pfsCovariates = new[] { PublishedFacts.LiverMetastases, "age" }, ties = "Breslow",
            rationale = "The seed paper's multivariate PFS model: liver metastases adjusted for age, Breslow ties as SPSS COXREG.",
        })));

        progress("Analysing both locks (paper profile) and verifying them...");
        Directory.CreateDirectory(outDir);
        var reports = new Dictionary<string, string>();
        JsonObject finalAnalysis = null!, interimAnalysis = null!;
        foreach (var lockName in new[] { "interim-2022", "final" })
        {
            Task<FileResponse> Analysis(string format) => stat.AnalyseLockAsync(lockName, profile: "paper", plan: "paper-pfs-multivariate", format: format);
            var json = Object(await Text($"GET /locks/{lockName}/analysis", () => Analysis("json")));
            if (lockName == "final") finalAnalysis = json; else interimAnalysis = json;
            foreach (var (format, extension) in new[] { ("json", "json"), ("md", "md"), ("html", "html") })
            {
                var path = Path.Combine(outDir, $"{lockName}-analysis.{extension}");
                await File.WriteAllTextAsync(path, format == "json" ? json.ToJsonString(Analyses.ReportWriter.Indented) : await Text($"GET /locks/{lockName}/analysis?format={format}", () => Analysis(format)));
                reports[$"{lockName}.{extension}"] = Path.GetFullPath(path);
            }
            // The PDF as the product prints it, where this machine has Chromium to print with.
            if (Analyses.PdfReport.FindChromium() is not null)
            {
                var pdf = Path.Combine(outDir, $"{lockName}-analysis.pdf");
                await File.WriteAllBytesAsync(pdf, await Bytes($"GET /locks/{lockName}/analysis?format=pdf", () => Analysis("pdf")));
                reports[$"{lockName}.pdf"] = Path.GetFullPath(pdf);
            }
        }
        // The final lock's CDISC datasets beside its reports: SDTM and ADaM as SAS transport and Dataset-JSON, each with its Define-XML.
        foreach (var standard in new[] { "sdtm", "adam" })
        foreach (var format in new[] { "xpt", "json" })
        {
            var folder = Path.Combine(outDir, $"final-{standard}-{format}");
            await Unzip($"GET /locks/final/export/{standard}", () => stat.ExportLockDatasetsAsync("final", standard, format), folder);
            reports[$"final {standard} ({format})"] = Path.GetFullPath(folder);
        }
        var interimOutcome = await Verify(interim);
        var finalOutcome = await Verify(final);
        var interimNow = (await Call("GET /locks/{lockRef}", () => As("auditor").GetLockAsync("interim-2022"))).SnapshotHash;

        progress("Auditing one corrected field...");
        var audit = await AuditSample(plan.Errors[0]);
        return new DemoResult(finalAnalysis, interimAnalysis, interimOutcome, finalOutcome, interimNow == interimOutcome.Hash,
            PublishedFacts.Compare(finalAnalysis), reports, audit);
    }

    private async Task<DemoAuditSample> AuditSample(PlannedError error)
    {
        var auditor = As("auditor");
        var page = await Call("GET /audit", () => auditor.GetAuditTrailAsync(studyId: Study, subjectNumber: error.SubjectNumber, eventType: "data_point_corrected"));
        var entry = page.Entries.First(e => e.Field == error.Field);
        var before = entry.Timestamp.AddTicks(-10);
        var casebook = await Call("GET /studies/{studyId}/subjects/{subjectNumber}", () => auditor.GetCasebookAsync(Study, error.SubjectNumber, asOf: before));
        return new DemoAuditSample(error.SubjectNumber, $"{error.Form}.{error.Field}", entry.OldValue, entry.NewValue, entry.Reason, entry.User, Element(casebook));
    }

    private async Task<int> OpenQueries()
    {
        var total = 0;
        foreach (var (site, _) in ReferenceStudy.Sites)
            total += (await Call("GET /studies/{studyId}/sites/{siteId}/data-queries", () => As("monitor").ListSiteDataQueriesAsync(Study, site, openOnly: true))).Count;
        return total;
    }
}
