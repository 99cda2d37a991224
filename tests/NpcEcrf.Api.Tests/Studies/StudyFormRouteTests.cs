using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>The one route of the study's own forms, held to the same acts as every form: once, by its key, retried, by whoever may.</summary>
public class StudyFormRouteTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private static readonly object Prior = new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } };

    [Fact]
    public async Task a_retry_with_the_same_command_id_answers_the_same_and_writes_once()
    {
        var subject = await app.Enrolled("SF-01");
        var body = new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true }, commandId = Guid.NewGuid(), version = subject.Version };
        var first = await (await subject.Http.PostJson(subject.Url + "/forms/prior-therapy", body)).ShouldBe(HttpStatusCode.OK);
        var events = await app.EventCount();
        var again = await (await subject.Http.PostJson(subject.Url + "/forms/prior-therapy", body)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(events, await app.EventCount());
    }

    [Fact]
    public async Task a_form_named_in_another_case_is_the_same_form_and_is_entered_once()
    {
        var subject = await app.Enrolled("SF-02");
        var entered = await subject.Post("/forms/PRIOR-Therapy", Prior);
        Assert.Equal(1, entered.GetProperty("forms").GetProperty("prior-therapy").GetProperty("priorSystemicLines").GetInt32());
        await subject.Post("/forms/prior-therapy", Prior, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task keys_unknown_forms_and_built_in_forms_are_refused_naming_why_and_write_nothing()
    {
        var subject = await app.Enrolled("SF-03");
        var events = await app.EventCount();
        await subject.Post("/forms/prior-therapy", new { key = "W1", data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } }, HttpStatusCode.BadRequest);
        await subject.Post("/forms/no-such-form", Prior, HttpStatusCode.NotFound);
        var builtIn = await subject.Post("/forms/demographics", new { data = new { sex = "M" } }, HttpStatusCode.BadRequest);
        Assert.Contains("own route", builtIn.GetRawText());
        Assert.Equal(events, await app.EventCount());
    }

    [Fact]
    public async Task a_cra_whose_site_was_just_removed_cannot_enter_the_next_form()
    {
        var cra = new CasebookClient(await app.ClientFor("sf.leaver", ["cra"], "S1"), "SF-04");
        await cra.Enrol("S1");
        var admin = await app.ClientFor("sf.admin", ["admin"]);
        await (await admin.DeleteAsync("/users/sf.leaver/sites/S1")).ShouldBe(HttpStatusCode.OK);
        var events = await app.EventCount();
        await cra.Post("/forms/prior-therapy", Prior, HttpStatusCode.NotFound);
        Assert.Equal(events, await app.EventCount());
    }
}
