using System.Text.Json;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Client;

namespace NpcEcrf.Api.Tests.Operations;

/// <summary>
/// The contract used as an integrator would use it: the client NSwag generates from docs/openapi.json drives a study
/// from account to audit trail against the real server. An answer the contract does not declare (a 201 without its
/// body, a problem without its extensions) fails here.
/// </summary>
public sealed class GeneratedClientTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Study = "CLIENT-1";
    private const string Site = "S1";

    private NpcEcrfApiClient Anonymous() => new(app.Anonymous()) { CorrelationId = () => $"client-test-{Guid.NewGuid():N}" };

    /// <summary>Logs in through the generated token call: the token comes back typed, and the client sends it.</summary>
    private async Task<NpcEcrfApiClient> LoggedIn(string username, string password = AppFixture.Password)
    {
        var token = await Anonymous().IssueTokenAsync(new IssueToken { Username = username, Password = password });
        Assert.False(string.IsNullOrEmpty(token.AccessToken));
        Assert.Equal("Bearer", token.TokenType);
        var client = Anonymous();
        client.AccessToken = token.AccessToken;
        return client;
    }

    private static async Task<ProblemDetails> Refused(int status, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(call);
        Assert.True(status == e.StatusCode, $"Expected {status}, got {e.StatusCode}: {JsonSerializer.Serialize(e.Result)}");
        Assert.Equal(status, e.Result.Status);
        return e.Result;
    }

    [Fact]
    public async Task A_study_runs_through_the_generated_client_from_accounts_to_the_audit_trail()
    {
        await app.EnsureUser("client-admin", ["admin"], []);
        var admin = await LoggedIn("client-admin");

        // 201s come back with their body (the old generated client threw on them, inviting duplicate retries).
        var created = await admin.CreateUserAsync(new CreateUser { Username = "client-dm", PrintedName = "Data manager", Password = AppFixture.Password, Roles = ["data-manager"], Sites = [] });
        Assert.Equal("client-dm", created.Username);
        Assert.Equal("client-dm", (await admin.GetUserAsync("client-dm")).Username);
        var definition = JsonSerializer.Deserialize<StudyDefinition>(await File.ReadAllTextAsync(StudyDefinitions.PathOf(StudyDefinitions.Reference)), JsonSerializerOptions.Web)!;
        var study = await admin.CreateStudyAsync(new CreateStudy { StudyId = Study, Title = "Generated client study", Definition = definition });
        Assert.Equal(Study, study.StudyId);
        await admin.AddSiteAsync(Study, new AddSite { SiteId = Site, Name = "Site one" });
        await admin.CreateUserAsync(new CreateUser { Username = "client-cra", PrintedName = "CRA", Password = AppFixture.Password, Roles = ["cra"], Sites = [$"{Study}/{Site}"] });
        await admin.AssignSiteAsync("client-dm", new AssignSite { SiteId = $"{Study}/{Site}" });
        await admin.CreateUserAsync(new CreateUser { Username = "client-auditor", PrintedName = "Auditor", Password = AppFixture.Password, Roles = ["auditor"], Sites = [] });

        // A wrong password is a typed 401 problem, not a token.
        await Refused(401, () => Anonymous().IssueTokenAsync(new IssueToken { Username = "client-cra", Password = "not-the-password-1" }));
        var cra = await LoggedIn("client-cra");
        var enrolled = await cra.EnrolSubjectAsync(Study, new EnrolSubject
        {
            SubjectNumber = "001", SiteId = Site, ConsentDate = new DateOnly(2024, 1, 2), EnrolmentDate = new DateOnly(2024, 1, 3),
            Eligibility = ReferenceStudyCrf.Eligible,
        });
        Assert.Equal("001", enrolled.SubjectNumber);
        var afterDemographics = await cra.RecordDemographicsAsync(Study, "001", new RecordDemographics { Sex = "M", YearOfBirth = 1970, AgeAtEnrolment = 53, Version = enrolled.Version });
        Assert.True(afterDemographics.Version > enrolled.Version);
        // The Casebook schema declares every property the server writes but the catalogue's forms, which vary by study.
        var catalogue = Api.Casebooks.FormSet.Of(StudyDefinitions.Load(StudyDefinitions.Reference)).Forms
            .Where(f => f is not Api.StudyForms.StudyFormDefinition).Select(f => f.AnswerProperty).ToList();
        Assert.Contains("demographics", afterDemographics.AdditionalProperties.Keys);
        Assert.Empty(afterDemographics.AdditionalProperties.Keys.Except(catalogue));

        // A change sent against the version read before the demographics were entered: 409 with the current version.
        var stale = await Refused(409, () => cra.CorrectDataPointAsync(Study, "001",
            new CorrectDataPoint { Form = "demographics", Field = "sex", NewValue = "F", Reason = "Transcription error", Version = enrolled.Version }));
        Assert.Equal(afterDemographics.Version, stale.CurrentVersion);
        // The same through If-Match, as the contract offers it.
        var staleByHeader = await Refused(409, () => cra.CorrectDataPointAsync(Study, "001",
            new CorrectDataPoint { Form = "demographics", Field = "sex", NewValue = "F", Reason = "Transcription error" }, if_Match: $"\"{enrolled.Version}\""));
        Assert.Equal(afterDemographics.Version, staleByHeader.CurrentVersion);

        // Invalid input: 400 with the fields named in errors.
        var invalid = await Refused(400, () => cra.RecordEcogAsync(Study, "001", new RecordEcog { AssessmentDate = new DateOnly(2024, 1, 1), Score = 9, Version = afterDemographics.Version }));
        Assert.Contains(invalid.Errors!.Keys, k => k.Contains("score"));
        await Refused(404, () => cra.GetCasebookAsync(Study, "999"));

        // Under a soft lock no data may change: 423 naming the lock.
        var dm = await LoggedIn("client-dm");
        var locked = await dm.LockDatabaseAsync(new LockDatabase { StudyId = Study, Name = "client-soft", Cutoff = new DateOnly(2024, 6, 30), Reason = "Interim look", Kind = LockDatabaseKind.Soft });
        Assert.Equal("client-soft", locked.Name);
        var refusedUnderLock = await Refused(423, () => cra.RecordEcogAsync(Study, "001", new RecordEcog { AssessmentDate = new DateOnly(2024, 1, 1), Score = 1, Version = afterDemographics.Version }));
        Assert.Equal("client-soft", refusedUnderLock.Lock);
        await dm.UnlockDatabaseAsync("client-soft", new UnlockDatabase { Reason = "Interim look done" });
        var corrected = await cra.CorrectDataPointAsync(Study, "001", new CorrectDataPoint { Form = "demographics", Field = "sex", NewValue = "F", Reason = "Transcription error", Version = afterDemographics.Version });
        Assert.True(corrected.Version > afterDemographics.Version);

        // The audit trail a page at a time, filtered to the subject: every page holds only its events, in order.
        var auditor = await LoggedIn("client-auditor");
        var first = await auditor.GetAuditTrailAsync(studyId: Study, subjectNumber: "001", limit: 2);
        Assert.Equal(2, first.Entries.Count);
        Assert.NotNull(first.NextAfter);
        var second = await auditor.GetAuditTrailAsync(studyId: Study, subjectNumber: "001", after: first.NextAfter, limit: 2);
        Assert.NotEmpty(second.Entries);
        Assert.All(first.Entries.Concat(second.Entries), e => Assert.Equal("001", e.SubjectNumber));
        Assert.True(second.Entries.Min(e => e.Sequence) > first.Entries.Max(e => e.Sequence));
        var corrections = await auditor.GetAuditTrailAsync(studyId: Study, subjectNumber: "001", eventType: "data_point_corrected");
        var correction = Assert.Single(corrections.Entries);
        Assert.Equal(("M", "F", "Transcription error", "client-cra"), (Unquoted(correction.OldValue), Unquoted(correction.NewValue), correction.Reason, correction.User));
    }

    private static string? Unquoted(string? json) => json?.Trim('"');
}
