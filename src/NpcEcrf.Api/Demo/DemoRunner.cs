using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;

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
public sealed class DemoRunner(HttpClient http, Action<string> progress)
{
    public const string Password = "demo-password-1";
    private static readonly JsonSerializerOptions Json = CasebookJson.Options;
    private readonly Dictionary<string, AuthenticationHeaderValue> _tokens = new();
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

    private async Task<LockOutcome> Verify(JsonElement l)
    {
        var name = l.GetProperty("name").GetString()!;
        var verified = await Send("auditor", HttpMethod.Get, $"/locks/{name}/verify", null);
        return new LockOutcome(name, l.GetProperty("cutoff").GetString()!, l.GetProperty("snapshotHash").GetString()!, verified.GetProperty("verified").GetBoolean());
    }

    private async Task<int> OpenQueries()
    {
        var total = 0;
        foreach (var (site, _) in ReferenceStudy.Sites)
            total += (await Send("monitor", HttpMethod.Get, $"/studies/{Study}/sites/{site}/data-queries?openOnly=true", null)).GetArrayLength();
        return total;
    }

    private static string Cra(string siteId) => $"cra.{siteId.ToLowerInvariant()}";

    private async Task CreateUser(string username, string printedName, string[] roles, string[] sites)
    {
        await Send(_tokens.Keys.First(), HttpMethod.Post, "/users", new { username, printedName, password = Password, roles, sites }, HttpStatusCode.Created);
        await Login(username);
    }

    private async Task Login(string username)
    {
        var response = await http.PostAsJsonAsync("/auth/token", new { username, password = Password });
        await Expect(response, HttpStatusCode.OK, "/auth/token");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        _tokens[username] = new AuthenticationHeaderValue("Bearer", token);
    }

    private Task<JsonElement> SubjectPost(string user, string subjectNumber, string path, object body, long version)
    {
        var withVersion = JsonSerializer.SerializeToNode(body, Json)!.AsObject();
        withVersion["version"] = version;
        return Send(user, HttpMethod.Post, $"/studies/{Study}/subjects/{subjectNumber}{path}", withVersion);
    }

    private async Task<string> Text(string user, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = _tokens[user];
        using var response = await http.SendAsync(request);
        await Expect(response, HttpStatusCode.OK, url);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<JsonElement> Send(string user, HttpMethod method, string url, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = _tokens[user];
        request.Headers.Add("X-Correlation-Id", $"demo-{Guid.NewGuid():N}");
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        using var response = await http.SendAsync(request);
        await Expect(response, expected, $"{method} {url}");
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
            throw new DemoFailedException($"{what} answered {(int)response.StatusCode}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed class DemoFailedException(string message) : Exception(message);
