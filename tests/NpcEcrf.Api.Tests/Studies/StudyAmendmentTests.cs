using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Tests.RuleModel;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>
/// PUT /studies/{id}/definition: a revision before any enrolment, an amendment after (a reason, an effective date from
/// today), nothing entered taken away (retire instead), data entered before held to its own version, and nothing
/// written by a refusal.
/// </summary>
public class StudyAmendmentTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static StudyDefinition Reference => TestStudies.Reference;

    [Fact]
    public async Task a_revision_before_any_enrolment_needs_no_reason_and_is_in_force_at_once()
    {
        var (admin, _) = await app.NewStudy("AM-REV");
        var before = await app.StudyStreamVersion("AM-REV");
        var revised = Reference with { Treatment = Reference.Treatment with { CycleDays = 28 } };
        var answer = await (await admin.PutDefinition("AM-REV", new { definition = StudyBuilding.Json(revised) })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(before + 1, answer.GetProperty("version").GetInt64());

        var inForce = await (await admin.GetAsync("/studies/AM-REV/definition")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, inForce.GetProperty("version").GetInt32());
        Assert.False(inForce.GetProperty("amendment").GetBoolean());
        Assert.Equal(StudyBuilding.Date(StudyBuilding.Today), inForce.GetProperty("effectiveFrom").GetString());
        Assert.Equal(28, inForce.GetProperty("definition").GetProperty("treatment").GetProperty("cycleDays").GetInt32());
    }

    [Fact]
    public async Task after_an_enrolment_a_change_needs_a_reason_and_an_effective_date_from_today_or_it_is_refused_naming_the_field()
    {
        var (admin, cra) = await app.NewStudy("AM-WHY");
        await cra.Enrolled("AM-WHY", "W-01");
        var changed = StudyBuilding.Json(Reference with { Treatment = Reference.Treatment with { Route = "oral, with food" } });
        var before = await app.StudyStreamVersion("AM-WHY");

        var today = StudyBuilding.Date(StudyBuilding.Today);
        var yesterday = StudyBuilding.Date(StudyBuilding.Today.AddDays(-1));
        foreach (var (body, field) in new (object, string)[]
        {
            (new { definition = changed }, "reason"),
            (new { definition = changed, effectiveFrom = today }, "reason"),
            (new { definition = changed, reason = "   ", effectiveFrom = today }, "reason"),
            (new { definition = changed, reason = "Food effect" }, "effectiveFrom"),
            (new { definition = changed, reason = "Food effect", effectiveFrom = yesterday }, "effectiveFrom"),
        })
        {
            var problem = await (await admin.PutDefinition("AM-WHY", body)).ShouldBe(HttpStatusCode.BadRequest);
            problem.Errors(field);
            Assert.Equal(before, await app.StudyStreamVersion("AM-WHY"));
        }

        var accepted = await (await admin.PutDefinition("AM-WHY", new { definition = changed, reason = "Food effect", effectiveFrom = today })).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(before + 1, accepted.GetProperty("version").GetInt64());
        var v2 = await (await admin.GetAsync("/studies/AM-WHY/definition?version=2")).ShouldBe(HttpStatusCode.OK);
        Assert.True(v2.GetProperty("amendment").GetBoolean());
        Assert.Equal("Food effect", v2.GetProperty("reason").GetString());
    }

    /// <summary>Each change would take away what a subject's data uses: refused naming it, nothing written; retiring (or leaving alone) what is used is accepted.</summary>
    [Fact]
    public async Task an_amendment_may_not_take_away_what_entered_data_uses_but_may_retire_it()
    {
        const string id = "AM-USE";
        var notes = new StudyForm("notes", "Notes", [new ItemGroup("NOTES", "Notes", [new Item("note", "Anything to note?", ItemType.Text)])]);
        var reference = Reference with { Forms = [.. Reference.StudyForms, notes] };
        var (admin, cra) = await app.NewStudy(id, reference);
        var subject = await cra.Enrolled(id, "U-01");
        await subject.Post("/forms/notes", new { data = new { } });
        await subject.Post("/demographics", new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 });
        await subject.Post("/forms/disease-status", new { data = new { pattern = "Metastatic", diagnosisDate = "2020-12-01" } });
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 3, platinumRefractory = false, priorRadiotherapy = true } });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Fatigue", grade = 1, onsetDate = "2021-03-20", serious = false, relation = "Possible", action = "None" });
        var before = await app.StudyStreamVersion(id);

        foreach (var (what, definition, field, named) in new (string, StudyDefinition, string, string)[]
        {
            ("a study form", reference.WithoutForm("prior-therapy"), "definition.forms", "Form 'prior-therapy'"),
            ("a study form entered with no values", reference.WithoutForm("notes"), "definition.forms", "Form 'notes'"),
            ("an item", reference.WithItem("prior-therapy", "priorRadiotherapy", _ => null), "definition.forms", "prior-therapy.priorRadiotherapy"),
            ("a code of a study code list", reference.WithCodeList("DISEASE_PATTERN", c => c.Without("Metastatic")), "definition.codeLists", "'Metastatic'"),
            ("a sex code", reference.WithCodeList("SEX", c => c.Without("M")), "definition.codeLists", "Sex 'M'"),
            ("an adverse-event term", reference.WithoutTerm("Fatigue"), "definition.adverseEvents.terms", "'Fatigue'"),
            ("an arm", reference with { Treatment = Reference.Treatment with { Arms = [new Arm("ANLO-12", "Anlotinib 12 mg", [12m])] } }, "definition.treatment.arms", "arm ANLOTINIB"),
            ("an item's data type", reference.WithItem("prior-therapy", "priorSystemicLines", i => i with { DataType = ItemType.Float }), "definition.forms", "prior-therapy.priorSystemicLines holds Integer data"),
        })
        {
            var problem = await (await admin.Amend(id, definition)).ShouldBe(HttpStatusCode.BadRequest);
            Assert.True(problem.Errors(field).Any(m => m.Contains(named)), $"taking away {what}: {problem}");
            Assert.Equal(before, await app.StudyStreamVersion(id));
        }

        // The same amendments done the way that keeps the data: retire the item (or the form), leave used codes, terms and arms in.
        var retiredItem = reference.WithItem("prior-therapy", "priorRadiotherapy", i => i with { Retired = true });
        await (await admin.Amend(id, retiredItem)).ShouldBe(HttpStatusCode.OK);
        var next = await cra.Enrolled(id, "U-02");
        var third = await cra.Enrolled(id, "U-03");
        var problemWithRetired = await next.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } }, HttpStatusCode.BadRequest);
        problemWithRetired.Errors("data.priorRadiotherapy");
        await next.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 1, platinumRefractory = false } });

        var newType = retiredItem.WithForm("prior-therapy", f => f with
        {
            Groups = [f.Groups[0] with { Items = [.. f.Groups[0].Items.Select(i => i.Name == "priorSystemicLines" ? i with { Retired = true } : i),
                new Item("priorLines", "Prior systemic lines (partial lines counted)", ItemType.Float, Hard: new RangeCheck(0, 20))] }],
        });
        await (await admin.Amend(id, newType)).ShouldBe(HttpStatusCode.OK);
        var unusedTaken = newType.WithCodeList("DISEASE_PATTERN", c => c.Without("Both")).WithCodeList("SEX", c => c.Without("UNDIFFERENTIATED")).WithoutTerm("Arthralgia")
            with { Treatment = Reference.Treatment with { Arms = [.. Reference.Treatment.Arms, new Arm("LOW", "Anlotinib 8 mg", [8m])] } };
        await (await admin.Amend(id, unusedTaken)).ShouldBe(HttpStatusCode.OK);
        await (await admin.Amend(id, unusedTaken.WithForm("prior-therapy", f => f with { Retired = true }).WithForm("notes", f => f with { Retired = true }))).ShouldBe(HttpStatusCode.OK);
        (await third.Post("/forms/prior-therapy", new { data = new { priorLines = 1.5 } }, HttpStatusCode.BadRequest)).Errors("form");
        Assert.Equal(before + 4, await app.StudyStreamVersion(id));
    }

    [Fact]
    public async Task data_entered_before_an_amendment_stays_valid_against_its_own_version_and_new_entries_meet_the_new_one()
    {
        const string id = "AM-OLD";
        var (admin, cra) = await app.NewStudy(id);
        var old = await cra.Enrolled(id, "O-01");
        await old.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 3, platinumRefractory = false, priorRadiotherapy = true } });

        // In force today: the hard range narrows from 0-20 to 0-2.
        await (await admin.Amend(id, Reference.WithItem("prior-therapy", "priorSystemicLines", i => i with { Hard = new RangeCheck(0, 2) }))).ShouldBe(HttpStatusCode.OK);

        // The old form is held to version 1: its 3 stays, another item of it can be corrected, and so can the 3 (to 4, within 0-20).
        await old.Correct("prior-therapy", "platinumRefractory", true);
        await old.Correct("prior-therapy", "priorSystemicLines", 4);
        Assert.Equal(4, old.Casebook.GetProperty("forms").GetProperty("prior-therapy").GetProperty("priorSystemicLines").GetInt32());

        // A new entry is held to version 2: 3 is refused, 2 is taken, and correcting it to 3 is refused.
        var fresh = await cra.Enrolled(id, "O-02");
        var refused = await app.Refused(fresh, "/forms/prior-therapy", new { data = new { priorSystemicLines = 3, platinumRefractory = false, priorRadiotherapy = true } });
        Assert.Contains("0-2", refused.Errors("prior-therapy.priorSystemicLines")[0]);
        await fresh.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 2, platinumRefractory = false, priorRadiotherapy = true } });
        await fresh.Correct("prior-therapy", "priorSystemicLines", 3, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task an_amendment_in_force_from_a_later_date_changes_nothing_before_that_date()
    {
        const string id = "AM-LATER";
        var (admin, cra) = await app.NewStudy(id);
        await cra.Enrolled(id, "L-01");
        var tomorrow = StudyBuilding.Today.AddDays(1);
        await (await admin.Amend(id, Reference.WithItem("prior-therapy", "priorSystemicLines", i => i with { Hard = new RangeCheck(0, 2) }), tomorrow)).ShouldBe(HttpStatusCode.OK);

        var inForce = await (await cra.GetAsync($"/studies/{id}/definition")).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(1, inForce.GetProperty("version").GetInt32());
        var announced = await (await cra.GetAsync($"/studies/{id}/definition?version=2")).ShouldBe(HttpStatusCode.OK);
        Assert.False(announced.GetProperty("inForce").GetBoolean());
        Assert.Equal(StudyBuilding.Date(tomorrow), announced.GetProperty("effectiveFrom").GetString());

        var subject = await cra.Enrolled(id, "L-02");
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 3, platinumRefractory = false, priorRadiotherapy = true } });

        // A later version cannot take effect before the announced one.
        var problem = await (await admin.Amend(id, Reference, StudyBuilding.Today)).ShouldBe(HttpStatusCode.BadRequest);
        problem.Errors("effectiveFrom");
    }

    [Fact]
    public async Task a_retry_with_the_same_command_id_answers_the_same_and_writes_once()
    {
        var (admin, _) = await app.NewStudy("AM-RETRY");
        var body = new { definition = StudyBuilding.Json(Reference with { Protocol = "Revised" }), commandId = Guid.NewGuid() };
        var first = await (await admin.PutDefinition("AM-RETRY", body)).ShouldBe(HttpStatusCode.OK);
        var version = await app.StudyStreamVersion("AM-RETRY");
        var again = await (await admin.PutDefinition("AM-RETRY", body)).ShouldBe(HttpStatusCode.OK);
        Assert.Equal(version, await app.StudyStreamVersion("AM-RETRY"));
        Assert.Equal(first.GetRawText(), again.GetRawText());
    }

    [Fact]
    public async Task a_change_based_on_a_stale_version_is_a_conflict_that_writes_nothing()
    {
        var (admin, _) = await app.NewStudy("AM-STALE");
        var seen = (await (await admin.GetAsync("/studies/AM-STALE")).ShouldBe(HttpStatusCode.OK)).GetProperty("version").GetInt64();
        await (await admin.PutDefinition("AM-STALE", new { definition = StudyBuilding.Json(Reference with { Protocol = "First" }), version = seen })).ShouldBe(HttpStatusCode.OK);
        var now = await app.StudyStreamVersion("AM-STALE");

        var stale = await (await admin.PutDefinition("AM-STALE", new { definition = StudyBuilding.Json(Reference with { Protocol = "Second" }), version = seen })).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(now, stale.GetProperty("currentVersion").GetInt64());
        using var ifMatch = new HttpRequestMessage(HttpMethod.Put, "/studies/AM-STALE/definition")
        {
            Content = JsonContent.Create(new { definition = StudyBuilding.Json(Reference with { Protocol = "Second" }) }),
            Headers = { { "If-Match", $"\"{seen}\"" } },
        };
        await (await admin.SendAsync(ifMatch)).ShouldBe(HttpStatusCode.Conflict);
        Assert.Equal(now, await app.StudyStreamVersion("AM-STALE"));
    }

    /// <summary>A definition that contradicts itself: every problem named by its field, on creation and on revision, and nothing written.</summary>
    [Fact]
    public async Task a_definition_that_contradicts_itself_is_refused_naming_each_problem()
    {
        var d = Reference;
        var visits = d.ScheduleOrEmpty.Visits;
        var bad = d with
        {
            Treatment = d.Treatment with { DaysOn = d.Treatment.CycleDays + 1, DoseUnit = DoseUnits.MgPerM2 },
            Schedule = d.ScheduleOrEmpty with { Visits = [visits[0] with { LatestDay = visits[0].EarliestDay - 1 }, visits[1] with { Forms = [.. visits[1].Forms, "no-such-form"] }] },
            Forms = [.. d.StudyForms.Select((f, i) => i switch
                {
                    0 => f with { Groups = [f.Groups[0] with { Items = [f.Groups[0].Items[0] with { CodeList = "NO_SUCH_LIST" }, .. f.Groups[0].Items.Skip(1)] }] },
                    2 => f with { Groups = [f.Groups[0] with { Items = [f.Groups[0].Items[0] with { Soft = new RangeCheck(0, 30) }, .. f.Groups[0].Items.Skip(1)] }] },
                    _ => f,
                }),
                d.StudyForms[1], d.StudyForms[1] with { Name = "demographics" }],
        };
        var expected = new Dictionary<string, string>
        {
            ["definition.schedule.visits[0].latestDay"] = "before it starts",
            ["definition.forms[0].groups[0].items[0].codeList"] = "NO_SUCH_LIST",
            ["definition.forms[2].groups[0].items[0].soft"] = "within the hard range",
            ["definition.forms[3].name"] = "defined twice",
            ["definition.forms[4].name"] = "every study has",
            ["definition.treatment.daysOn"] = "between 1 and",
            ["definition.schedule.visits[1].forms"] = "no-such-form",
            ["definition.treatment.doseBasisItem"] = "mg/m2",
        };

        var (admin, _) = await app.NewStudy("AM-BAD");
        var before = await app.StudyStreamVersion("AM-BAD");
        var events = await app.EventCount();
        foreach (var response in new[]
        {
            await admin.PutDefinition("AM-BAD", new { definition = StudyBuilding.Json(bad) }),
            await admin.PostJson("/studies", new { studyId = "AM-BAD-2", title = "Contradictions", definition = StudyBuilding.Json(bad) }),
        })
        {
            var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
            foreach (var (field, says) in expected) Assert.True(problem.Errors(field).Any(m => m.Contains(says)), $"{field}: {problem}");
        }
        Assert.Equal(before, await app.StudyStreamVersion("AM-BAD"));
        Assert.Equal(events, await app.EventCount());
        await (await admin.GetAsync("/studies/AM-BAD-2")).ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A definition change is not clinical data: a hard lock (which freezes the cohort and the version in force at its
    /// cut-off in its snapshot) does not block it, while every data write stays refused.
    /// </summary>
    [Fact]
    public async Task an_amendment_under_a_hard_lock_is_accepted_and_leaves_the_lock_verified()
    {
        const string id = "AM-LOCK";
        var (admin, cra) = await app.NewStudy(id);
        var subject = await cra.Enrolled(id, "K-01");
        var dm = await app.ClientFor("amend.dm", ["data-manager"]);
        await (await dm.PostJson("/locks", new { studyId = id, name = "am-lock", cutoff = StudyBuilding.Date(StudyBuilding.Today), reason = "Final", kind = "Hard" })).ShouldBe(HttpStatusCode.Created);

        await (await admin.Amend(id, Reference.WithItem("prior-therapy", "priorSystemicLines", i => i with { Hard = new RangeCheck(0, 10) }))).ShouldBe(HttpStatusCode.OK);
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } }, (HttpStatusCode)423);
        var verified = await (await dm.GetAsync("/locks/am-lock/verify")).ShouldBe(HttpStatusCode.OK);
        Assert.True(verified.GetProperty("verified").GetBoolean(), verified.ToString());
        Assert.Equal(1, (await (await dm.GetAsync("/locks/am-lock")).ShouldBe(HttpStatusCode.OK)).GetProperty("definitionVersion").GetInt32());
    }

    [Fact]
    public async Task a_study_that_does_not_exist_is_not_found()
    {
        var admin = await app.ClientFor("studies.admin", ["admin"]);
        await (await admin.PutDefinition("AM-NONE", new { definition = StudyBuilding.Json(Reference) })).ShouldBe(HttpStatusCode.NotFound);
    }
}

internal static class RefusalAssertions
{
    /// <summary>Refused with 400 and the subject's stream unchanged.</summary>
    public static async Task<JsonElement> Refused(this AppFixture app, CasebookClient subject, string path, object body)
    {
        var problem = await subject.Post(path, body, HttpStatusCode.BadRequest);
        await using var session = app.Store.QuerySession();
        var state = await session.Events.FetchStreamStateAsync(Casebook.IdFor(subject.Url.Split('/')[2], subject.Casebook.GetProperty("subjectNumber").GetString()!));
        Assert.Equal(subject.Version, state!.Version);
        return problem;
    }
}
