using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

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
        await Send(adminUsername, HttpMethod.Post, "/studies", new { studyId = Study, title = ReferenceStudy.Title, definition = StudyDefinitions.Load(StudyDefinitions.Reference) }, HttpStatusCode.Created);
        foreach (var (id, name) in ReferenceStudy.Sites)
        {
            await Send(adminUsername, HttpMethod.Post, $"/studies/{Study}/sites", new { siteId = id, name });
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
            var casebook = await Send(cra, HttpMethod.Post, $"/studies/{Study}/subjects", new
            {
                subjectNumber = subject.SubjectNumber, siteId = subject.SiteId, consentDate = subject.FirstDose.AddDays(-5),
                enrolmentDate = subject.FirstDose.AddDays(-2), eligibility = ReferenceStudyCrf.Eligible,
            }, HttpStatusCode.Created);
            versions[subject.SubjectNumber] = casebook.GetProperty("version").GetInt64();
            foreach (var entry in subject.Entries)
                versions[subject.SubjectNumber] = (await SubjectPost(cra, subject.SubjectNumber, entry.Path, entry.Body, versions[subject.SubjectNumber])).GetProperty("version").GetInt64();
            progress($"  {subject.SubjectNumber} ({subject.SiteId}): {subject.Entries.Count + 1} forms entered ({++entered}/30)");
        }

        progress("Monitoring: source data verification and data queries...");
        foreach (var subject in plan.Subjects)
            foreach (var form in new[] { "demographics", "first-dose", "metastatic-sites" })
                versions[subject.SubjectNumber] = (await SubjectPost("monitor", subject.SubjectNumber, "/verifications", new { form }, versions[subject.SubjectNumber])).GetProperty("version").GetInt64();
        var queries = new Dictionary<string, Guid>();
        foreach (var error in plan.Errors.Where(e => e.Detection == Detection.Monitor))
            queries[error.SubjectNumber] = (await Send("monitor", HttpMethod.Post, "/data-queries",
                new { studyId = Study, subjectNumber = error.SubjectNumber, form = error.Form, field = error.Field, text = error.QueryText }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        // A query answered in words and closed: the value was right.
        var confirmed = plan.Subjects.First(s => s.SubjectNumber == ReferenceStudyCrf.SubjectNumber(8));
        var ageQuery = (await Send("monitor", HttpMethod.Post, "/data-queries", new { studyId = Study, subjectNumber = confirmed.SubjectNumber, form = "demographics", field = "ageAtEnrolment", text = "Age 76 is the oldest in the study; please confirm against the ID card." }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Send(Cra(confirmed.SiteId), HttpMethod.Post, $"/data-queries/{ageQuery}/answer", new { text = "Confirmed against the ID card: 76 at enrolment." });
        await Send("monitor", HttpMethod.Post, $"/data-queries/{ageQuery}/close", new { text = "Thank you." });
        var openAtInterim = await OpenQueries();
        progress($"  {openAtInterim} data queries open (automatic and manual)");

        progress($"Interim lock (soft) at cut-off {plan.InterimCutoff:yyyy-MM-dd}...");
        var interim = await Send("dm", HttpMethod.Post, "/locks", new { studyId = Study, name = "interim-2022", cutoff = plan.InterimCutoff, reason = "Interim analysis of response and survival", kind = "Soft" }, HttpStatusCode.Created);
        await Send("dm", HttpMethod.Post, "/locks/interim-2022/unlock", new { reason = "Interim analysis complete; data cleaning resumes before the final lock." });

        progress("Corrections answering the queries, then signatures...");
        foreach (var error in plan.Errors)
        {
            var body = new Dictionary<string, object?> { ["form"] = error.Form, ["field"] = error.Field, ["newValue"] = error.RightValue, ["reason"] = error.Reason };
            if (queries.TryGetValue(error.SubjectNumber, out var queryId)) body["dataQueryId"] = queryId;
            var site = plan.Subjects.First(s => s.SubjectNumber == error.SubjectNumber).SiteId;
            versions[error.SubjectNumber] = (await SubjectPost(Cra(site), error.SubjectNumber, "/corrections", body, versions[error.SubjectNumber])).GetProperty("version").GetInt64();
            if (queries.TryGetValue(error.SubjectNumber, out var answered))
                await Send("monitor", HttpMethod.Post, $"/data-queries/{answered}/close", new { text = "Corrected; closed." });
        }
        foreach (var subject in plan.Subjects)
        {
            var investigator = $"pi.{subject.SiteId.ToLowerInvariant()}";
            versions[subject.SubjectNumber] = (await SubjectPost(investigator, subject.SubjectNumber, "/signatures",
                new { meaning = "I have reviewed this casebook and confirm it is complete and accurate.", password = Password }, versions[subject.SubjectNumber])).GetProperty("version").GetInt64();
        }
        progress($"  {plan.Errors.Count} corrections, {await OpenQueries()} queries still open, 30 casebooks signed");

        progress($"Final lock (hard) at cut-off {plan.FinalCutoff:yyyy-MM-dd}...");
        var final = await Send("dm", HttpMethod.Post, "/locks", new { studyId = Study, name = "final", cutoff = plan.FinalCutoff, reason = "Final analysis", kind = "Hard" }, HttpStatusCode.Created);
        await Send("stat", HttpMethod.Post, "/analysis-plans", new
        {
            studyId = Study, name = "paper-pfs-multivariate", pfsCovariates = new[] { PublishedFacts.LiverMetastases, "age" }, ties = "Breslow",
            rationale = "The seed paper's multivariate PFS model: liver metastases adjusted for age, Breslow ties as SPSS COXREG.",
        }, HttpStatusCode.Created);

        progress("Analysing both locks (paper profile) and verifying them...");
        Directory.CreateDirectory(outDir);
        var reports = new Dictionary<string, string>();
        JsonObject finalAnalysis = null!, interimAnalysis = null!;
        foreach (var lockName in new[] { "interim-2022", "final" })
        {
            var query = $"/locks/{lockName}/analysis?profile=paper&plan=paper-pfs-multivariate";
            var json = JsonNode.Parse(await Text("stat", query))!.AsObject();
            if (lockName == "final") finalAnalysis = json; else interimAnalysis = json;
            foreach (var (format, extension) in new[] { ("json", "json"), ("md", "md"), ("html", "html") })
            {
                var path = Path.Combine(outDir, $"{lockName}-analysis.{extension}");
                await File.WriteAllTextAsync(path, format == "json" ? json.ToJsonString(Analyses.ReportWriter.Indented) : await Text("stat", $"{query}&format={format}"));
                reports[$"{lockName}.{extension}"] = Path.GetFullPath(path);
            }
            // The PDF as the product prints it, where this machine has Chromium to print with.
            if (Analyses.PdfReport.FindChromium() is not null)
            {
                var pdf = Path.Combine(outDir, $"{lockName}-analysis.pdf");
                await File.WriteAllBytesAsync(pdf, await Bytes("stat", $"{query}&format=pdf"));
                reports[$"{lockName}.pdf"] = Path.GetFullPath(pdf);
            }
        }
        // The final lock's CDISC datasets beside its reports: SDTM and ADaM as SAS transport and Dataset-JSON, each with its Define-XML.
        foreach (var standard in new[] { "sdtm", "adam" })
        foreach (var format in new[] { "xpt", "json" })
        {
            var folder = Path.Combine(outDir, $"final-{standard}-{format}");
            await Unzip("stat", $"/locks/final/export/{standard}?format={format}", folder);
            reports[$"final {standard} ({format})"] = Path.GetFullPath(folder);
        }
        var interimOutcome = await Verify(interim);
        var finalOutcome = await Verify(final);
        var interimNow = (await Send("auditor", HttpMethod.Get, "/locks/interim-2022", null)).GetProperty("snapshotHash").GetString();

        progress("Auditing one corrected field...");
        var audit = await AuditSample(plan.Errors[0]);
        return new DemoResult(finalAnalysis, interimAnalysis, interimOutcome, finalOutcome, interimNow == interimOutcome.Hash,
            PublishedFacts.Compare(finalAnalysis), reports, audit);
    }

    private async Task<DemoAuditSample> AuditSample(PlannedError error)
    {
        var page = await Send("auditor", HttpMethod.Get, $"/audit?studyId={Study}&subjectNumber={error.SubjectNumber}&eventType=data_point_corrected", null);
        var entry = page.GetProperty("entries").EnumerateArray().First(e => e.GetProperty("field").GetString() == error.Field);
        var before = entry.GetProperty("timestamp").GetDateTimeOffset().AddTicks(-10);
        var casebook = await Send("auditor", HttpMethod.Get, $"/studies/{Study}/subjects/{error.SubjectNumber}?asOf={Uri.EscapeDataString(before.ToString("O"))}", null);
        string? S(string name) => entry.GetProperty(name).GetString();
        return new DemoAuditSample(error.SubjectNumber, $"{error.Form}.{error.Field}", S("oldValue"), S("newValue"), S("reason"), S("user"), casebook);
    }

    private async Task<int> OpenQueries()
    {
        var total = 0;
        foreach (var (site, _) in ReferenceStudy.Sites)
            total += (await Send("monitor", HttpMethod.Get, $"/studies/{Study}/sites/{site}/data-queries?openOnly=true", null)).GetArrayLength();
        return total;
    }
}
