using System.Net;
using System.Text;
using System.Text.Json;
using Marten;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.StudyForms;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>The fingerprint of what a command carried, as a pure function: what changes it and what does not.</summary>
public class CommandFingerprintFunctionTests
{
    private static EnterStudyForm Form(string json) => JsonSerializer.Deserialize<EnterStudyForm>(json, CasebookJson.Options)!;

    [Fact]
    public void the_same_command_sent_in_another_order_or_spacing_has_the_same_fingerprint()
    {
        var id = Guid.NewGuid();
        var a = Form($$"""{"data":{"anc":4.1,"platelets":240},"key":"W1","version":3,"commandId":"{{id}}"}""");
        var b = Form($$"""
            { "commandId" : "{{id}}", "version": 3,
              "key": "W1", "data": { "platelets": 240,   "anc": 4.1 } }
            """);
        Assert.Equal(CommandFingerprint.Of(a, new { form = "labs" }), CommandFingerprint.Of(b, new { form = "labs" }));
        Assert.Equal(CommandKey.Of(a, new { form = "labs" }), CommandKey.Of(b, new { form = "labs" }));
        Assert.Matches("^[0-9a-f]{64}$", CommandFingerprint.Of(a));
    }

    [Fact]
    public void a_changed_value_version_route_or_kind_of_command_changes_the_fingerprint()
    {
        var form = Form("""{"data":{"anc":4.1,"platelets":240},"key":"W1","version":3}""");
        var fingerprint = CommandFingerprint.Of(form, new { form = "labs" });
        Assert.NotEqual(fingerprint, CommandFingerprint.Of(form with { Data = Form("""{"data":{"anc":4.2,"platelets":240}}""").Data }, new { form = "labs" }));
        Assert.NotEqual(fingerprint, CommandFingerprint.Of(form with { Version = 4 }, new { form = "labs" }));
        Assert.NotEqual(fingerprint, CommandFingerprint.Of(form, new { form = "vitals" }));
        Assert.NotEqual(fingerprint, CommandFingerprint.Of(form));
        // Two kinds of command with the same fields are two commands.
        Assert.NotEqual(CommandFingerprint.Of(new NpcEcrf.Api.DataQueries.CancelDataQuery("Raised in error")),
            CommandFingerprint.Of(new NpcEcrf.Api.DataQueries.ReopenDataQuery("Raised in error")));
    }

    [Fact]
    public void a_value_left_null_is_one_not_sent_and_a_number_keeps_its_text()
    {
        var form = Form("""{"data":{"anc":4.1},"key":"W1","version":3}""");
        Assert.Equal(CommandFingerprint.Of(form, new { form = "labs" }), CommandFingerprint.Of(form, new { form = "labs", ifMatch = (long?)null }));
        Assert.NotEqual(CommandFingerprint.Of(form, new { form = "labs" }), CommandFingerprint.Of(form, new { form = "labs", ifMatch = (long?)3 }));
        // 4.10 and 4.1 are two commands (a 409, never a value silently taken for another).
        Assert.NotEqual(CommandFingerprint.Of(form), CommandFingerprint.Of(Form("""{"data":{"anc":4.10},"key":"W1","version":3}""")));
    }

    [Fact]
    public void the_command_id_and_secrets_are_not_fingerprinted_and_no_id_means_no_key()
    {
        var sign = new SignCasebook("I approve", "first-secret", 7, Guid.NewGuid());
        Assert.Equal(CommandFingerprint.Of(sign), CommandFingerprint.Of(sign with { Password = "another-secret", CommandId = Guid.NewGuid() }));
        Assert.NotEqual(CommandFingerprint.Of(sign), CommandFingerprint.Of(sign with { Meaning = "I reviewed" }));
        Assert.Null(CommandKey.Of(sign with { CommandId = null }));
        Assert.Equal(new CommandKey(sign.CommandId!.Value, CommandFingerprint.Of(sign)), CommandKey.Of(sign));
        Assert.Null(CommandKey.OfFile(null, "ab"));
    }

    [Fact]
    public void the_command_line_says_the_refusal_as_it_says_every_conflict()
    {
        CommandOutcome refused = Rejection.Conflict(CommandPipeline.AnotherCommand);
        Assert.Equal(CommandPipeline.AnotherCommand, NpcEcrf.Api.Cli.CliOutcomes.Describe(refused));
    }
}

/// <summary>
/// A command id names one command: the same id with the same command (in any property order or spacing) answers the
/// first answer and writes nothing; the same id with other values is a 409 and writes nothing, never a silent success.
/// </summary>
public class CommandFingerprintTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<long> StreamVersion(Guid streamId)
    {
        await using var session = app.Store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(streamId))?.Version ?? 0;
    }

    /// <summary>Posts the first command, its retry (same values, other order and spacing) and a changed command, all under one id.</summary>
    /// <param name="same">What of the answer the retry must repeat (all of it unless said).</param>
    /// <param name="settled">Waits for what the first command sets off after its commit (a lock's verification), before counting the events.</param>
    private async Task<JsonElement> SameIdThreeWays(HttpClient http, string url, string first, string reordered, string changed, Guid streamId, HttpStatusCode ok,
        Func<JsonElement, string>? same = null, Func<Task>? settled = null)
    {
        same ??= answer => answer.GetRawText();
        var answer = await (await http.PostAsync(url, Raw(first))).ShouldBe(ok);
        if (settled is not null) await settled();
        var events = await app.EventCount();
        var version = await StreamVersion(streamId);

        var again = await (await http.PostAsync(url, Raw(reordered))).ShouldBe(ok);
        Assert.Equal(same(answer), same(again));
        var refused = await (await http.PostAsync(url, Raw(changed))).ShouldBe(HttpStatusCode.Conflict);
        Assert.Contains("already used for another command with other values; nothing was saved", refused.GetRawText());

        Assert.Equal(events, await app.EventCount());
        Assert.Equal(version, await StreamVersion(streamId));
        return answer;
    }

    [Fact]
    public async Task an_enrolment_retried_answers_the_first_and_one_with_another_date_is_refused()
    {
        var cra = await app.ClientFor("cra.fp", ["cra"], $"{StudyFixture.StudyId}/S1");
        var id = Guid.NewGuid();
        var eligibility = JsonSerializer.Serialize(TestStudies.Eligible);
        var enrolled = await SameIdThreeWays(cra, $"/studies/{StudyFixture.StudyId}/subjects",
            $$"""{"subjectNumber":"FP-01","siteId":"S1","consentDate":"2021-03-01","enrolmentDate":"2021-03-03","eligibility":{{eligibility}},"commandId":"{{id}}"}""",
            $$"""{ "commandId": "{{id}}", "eligibility": {{eligibility}},  "enrolmentDate": "2021-03-03", "consentDate": "2021-03-01", "siteId": "S1", "subjectNumber": "FP-01" }""",
            $$"""{"subjectNumber":"FP-01","siteId":"S1","consentDate":"2021-03-01","enrolmentDate":"2021-03-04","eligibility":{{eligibility}},"commandId":"{{id}}"}""",
            Casebook.IdFor(StudyFixture.StudyId, "FP-01"), HttpStatusCode.Created);
        Assert.Equal("2021-03-03", enrolled.GetProperty("enrolment").GetProperty("enrolmentDate").GetString());
    }

    [Fact]
    public async Task a_form_entry_retried_answers_the_first_and_one_with_another_value_or_form_is_refused()
    {
        var subject = await app.Enrolled("FP-02");
        var id = Guid.NewGuid();
        var v = subject.Version;
        var entered = await SameIdThreeWays(subject.Http, subject.Url + "/forms/prior-therapy",
            $$"""{"data":{"priorSystemicLines":1,"platinumRefractory":false,"priorRadiotherapy":true},"version":{{v}},"commandId":"{{id}}"}""",
            $$"""{"commandId":"{{id}}",  "version":{{v}}, "data": { "priorRadiotherapy": true, "priorSystemicLines": 1, "platinumRefractory": false } }""",
            $$"""{"data":{"priorSystemicLines":2,"platinumRefractory":false,"priorRadiotherapy":true},"version":{{v}},"commandId":"{{id}}"}""",
            Casebook.IdFor(StudyFixture.StudyId, "FP-02"), HttpStatusCode.OK);
        Assert.Equal(1, entered.GetProperty("forms").GetProperty("prior-therapy").GetProperty("priorSystemicLines").GetInt32());

        // The same body on another form's route is another command too (the route names what the body fills).
        var events = await app.EventCount();
        await (await subject.Http.PostAsync(subject.Url + "/forms/metastatic-sites",
            Raw($$"""{"data":{"priorSystemicLines":1,"platinumRefractory":false,"priorRadiotherapy":true},"version":{{v}},"commandId":"{{id}}"}"""))).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(events, await app.EventCount());
    }

    [Fact]
    public async Task a_command_retried_under_another_if_match_version_is_refused()
    {
        var subject = await app.Enrolled("FP-08");
        var id = Guid.NewGuid();
        HttpRequestMessage Ecog(long seen) => new(HttpMethod.Post, subject.Url + "/ecog")
        {
            Content = Raw($$"""{"assessmentDate":"2021-03-02","score":1,"commandId":"{{id}}"}"""),
            Headers = { { "If-Match", $"\"{seen}\"" } },
        };
        var first = await (await subject.Http.SendAsync(Ecog(subject.Version))).ShouldBe(HttpStatusCode.OK);
        var events = await app.EventCount();
        Assert.Equal(first.GetRawText(), (await (await subject.Http.SendAsync(Ecog(subject.Version))).ShouldBe(HttpStatusCode.OK)).GetRawText());
        // The version the user saw decides whether the command is stale: another one is another command.
        await (await subject.Http.SendAsync(Ecog(first.GetProperty("version").GetInt64()))).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(events, await app.EventCount());
    }

    [Fact]
    public async Task a_correction_retried_answers_the_first_and_one_with_another_value_or_reason_is_refused()
    {
        var subject = await app.Enrolled("FP-03");
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
        var id = Guid.NewGuid();
        var v = subject.Version;
        var url = subject.Url + "/corrections";
        var corrected = await SameIdThreeWays(subject.Http, url,
            $$"""{"form":"demographics","field":"sex","newValue":"F","reason":"Transcription error","version":{{v}},"commandId":"{{id}}"}""",
            $$"""{ "reason": "Transcription error", "newValue": "F", "field": "sex", "form": "demographics", "commandId": "{{id}}", "version": {{v}} }""",
            $$"""{"form":"demographics","field":"ageAtEnrolment","newValue":56,"reason":"Transcription error","version":{{v}},"commandId":"{{id}}"}""",
            Casebook.IdFor(StudyFixture.StudyId, "FP-03"), HttpStatusCode.OK);
        Assert.Equal(55, corrected.GetProperty("demographics").GetProperty("ageAtEnrolment").GetInt32());
        // Another reason for the same change is another command: the reason is part of the record.
        var events = await app.EventCount();
        await (await subject.Http.PostAsync(url,
            Raw($$"""{"form":"demographics","field":"sex","newValue":"F","reason":"Source re-read","version":{{v}},"commandId":"{{id}}"}"""))).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(events, await app.EventCount());
    }

    [Fact]
    public async Task a_data_query_answer_and_a_verification_retried_answer_the_first_and_changed_ones_are_refused()
    {
        var subject = await app.Enrolled("FP-04");
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
        var monitor = await app.ClientFor("monitor.fp", ["monitor"], $"{StudyFixture.StudyId}/S1");
        var raised = await (await monitor.PostJson("/data-queries",
            new { studyId = StudyFixture.StudyId, subjectNumber = "FP-04", form = "demographics", field = "sex", text = "Check" })).ShouldBe(HttpStatusCode.Created);
        var query = raised.GetProperty("id").GetGuid();

        var answerId = Guid.NewGuid();
        var answered = await SameIdThreeWays(subject.Http, $"/data-queries/{query}/answer",
            $$"""{"text":"Source confirms male.","commandId":"{{answerId}}"}""",
            $$"""{ "commandId" : "{{answerId}}" , "text" : "Source confirms male." }""",
            $$"""{"text":"Source says female.","commandId":"{{answerId}}"}""",
            query, HttpStatusCode.OK,
            // A query's answer read back from its events keeps its times to the microsecond: compare what the query says.
            q => $"{q.GetProperty("version")} {q.GetProperty("state")} {string.Join("|", q.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text")))}");
        Assert.Equal("Source confirms male.", answered.GetProperty("messages")[1].GetProperty("text").GetString());

        var verifyId = Guid.NewGuid();
        await subject.Open();
        var v = subject.Version;
        await SameIdThreeWays(monitor, subject.Url + "/verifications",
            $$"""{"form":"demographics","field":"sex","version":{{v}},"commandId":"{{verifyId}}"}""",
            $$"""{"commandId":"{{verifyId}}","version":{{v}},"field":"sex","form":"demographics"}""",
            $$"""{"form":"demographics","field":"yearOfBirth","version":{{v}},"commandId":"{{verifyId}}"}""",
            Casebook.IdFor(StudyFixture.StudyId, "FP-04"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_lock_and_an_unlock_retried_answer_the_first_and_ones_with_another_cutoff_or_reason_are_refused()
    {
        // A study of its own: the lock must not hold up the other tests' writes.
        const string studyId = "FP-LOCK";
        var admin = await app.ClientFor("study-admin", ["admin"]);
        await (await admin.PostJson("/studies", new { studyId, title = "Locked", definition = TestStudies.ReferenceJson })).ShouldBe(HttpStatusCode.Created);
        await (await admin.PostJson($"/studies/{studyId}/sites", new { siteId = "S1", name = "Guilin" })).ShouldBe(HttpStatusCode.OK);
        var dm = await app.ClientFor("dm.fp", ["data-manager"]);
        var lockId = NpcEcrf.Api.Locks.DatabaseLock.IdFor(studyId, "fp-1");

        var id = Guid.NewGuid();
        await SameIdThreeWays(dm, "/locks",
            $$"""{"studyId":"{{studyId}}","name":"fp-1","cutoff":"2021-12-31","reason":"Interim","commandId":"{{id}}"}""",
            $$"""{"commandId":"{{id}}","reason":"Interim","cutoff":"2021-12-31","name":"fp-1","studyId":"{{studyId}}"}""",
            $$"""{"studyId":"{{studyId}}","name":"fp-1","cutoff":"2021-06-30","reason":"Interim","commandId":"{{id}}"}""",
            lockId, HttpStatusCode.Created, settled: async () =>
            {
                // The system appends the lock's verification after the commit.
                for (var i = 0; (await (await dm.GetAsync($"/locks/{lockId}")).ShouldBe(HttpStatusCode.OK)).GetProperty("replayVerified").ValueKind == JsonValueKind.Null; i++)
                {
                    Assert.True(i < 100, "The lock was not verified within 10 s.");
                    await Task.Delay(100);
                }
            });

        var unlockId = Guid.NewGuid();
        var unlocked = await SameIdThreeWays(dm, $"/locks/{lockId}/unlock",
            $$"""{"reason":"Query wave","commandId":"{{unlockId}}"}""",
            $$"""{ "commandId": "{{unlockId}}", "reason": "Query wave" }""",
            $$"""{"reason":"Another reason","commandId":"{{unlockId}}"}""",
            lockId, HttpStatusCode.OK);
        Assert.Equal("Query wave", unlocked.GetProperty("unlockReason").GetString());
    }

    [Fact]
    public async Task an_admins_site_retried_answers_the_first_and_one_with_another_name_is_refused()
    {
        var admin = await app.ClientFor("study-admin", ["admin"]);
        var id = Guid.NewGuid();
        await SameIdThreeWays(admin, $"/studies/{StudyFixture.StudyId}/sites",
            $$"""{"siteId":"S7","name":"Nanning","timeZone":"Asia/Shanghai","commandId":"{{id}}"}""",
            $$"""{"commandId":"{{id}}", "timeZone":"Asia/Shanghai", "name":"Nanning", "siteId":"S7"}""",
            $$"""{"siteId":"S7","name":"Liuzhou","timeZone":"Asia/Shanghai","commandId":"{{id}}"}""",
            NpcEcrf.Api.Studies.Study.IdFor(StudyFixture.StudyId), HttpStatusCode.OK);
    }

    [Fact]
    public async Task concurrent_sends_of_one_command_write_it_once_and_another_command_under_its_id_is_refused()
    {
        var cra = await app.ClientFor("cra.fp", ["cra"], $"{StudyFixture.StudyId}/S1");
        var id = Guid.NewGuid();
        var body = new { subjectNumber = "FP-05", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible, commandId = id };
        var events = await app.EventCount();
        // The losers of the race conflict, are retried from the start, find the winner's result and answer it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ => await (await cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body)).ShouldBe(HttpStatusCode.Created)));
        Assert.Single(answers.Select(a => a.GetRawText()).Distinct());
        var written = await app.EventCount() - events;


        // Two sends of one id with different values at once: one is saved, the other refused, whichever comes first.
        var raceId = Guid.NewGuid();
        var raced = await Task.WhenAll(new[] { "2021-03-03", "2021-03-04" }.Select(date =>
            cra.PostJson($"/studies/{StudyFixture.StudyId}/subjects", body with { subjectNumber = "FP-06", enrolmentDate = date, commandId = raceId })));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], raced.Select(r => r.StatusCode).Order());
        var saved = await raced.Single(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(HttpStatusCode.Created);
        var stored = await (await cra.GetAsync(StudyFixture.Subject("FP-06"))).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(saved.GetProperty("enrolment").GetProperty("enrolmentDate").GetString(), stored.GetProperty("enrolment").GetProperty("enrolmentDate").GetString());
        Assert.Equal(written * 2, await app.EventCount() - events);
    }

    [Fact]
    public async Task a_result_stored_before_fingerprints_answers_a_retry_as_it_did_then()
    {
        var subject = await app.Enrolled("FP-07");
        var id = Guid.NewGuid();
        var seen = subject.Version;
        var first = await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1, commandId = id });
        // As a row written before every command was fingerprinted: no fingerprint.
        await using (var session = app.Store.LightweightSession())
        {
            var done = (await session.LoadAsync<ProcessedCommand>(id))!;
            Assert.NotNull(done.Fingerprint);
            session.Store(done with { Fingerprint = null });
            await session.SaveChangesAsync();
        }
        var events = await app.EventCount();
        var again = await (await subject.Http.PostJson(subject.Url + "/ecog",
            new { assessmentDate = "2021-03-02", score = 2, version = seen, commandId = id })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(events, await app.EventCount());
    }
}
