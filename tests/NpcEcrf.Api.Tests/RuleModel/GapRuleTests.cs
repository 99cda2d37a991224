using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>Dates that order clinical events: nothing after death, no dosing after discontinuation, baseline before treatment.</summary>
public class GapRuleTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    private static object AdverseEvent(string onset, int grade = 2) =>
        new { adverseEventId = "AE1", term = "Fatigue", grade, onsetDate = onset, serious = false, relation = "Possible", action = "None" };

    private async Task<CasebookClient> Dead(string number)
    {
        var subject = await app.Treated(number);
        await subject.Post("/death", new { date = "2021-06-01", cause = "Progression" });
        return subject;
    }

    [Fact]
    public async Task an_adverse_event_starting_after_death_is_refused() =>
        await app.RefusedNaming(await Dead("G-01"), "/adverse-events", AdverseEvent("2021-06-05"), "onsetDate");

    [Fact]
    public async Task an_adverse_event_starting_before_death_is_accepted() =>
        await (await Dead("G-02")).Post("/adverse-events", AdverseEvent("2021-05-20"));

    [Fact]
    public async Task a_dose_change_after_death_is_refused() =>
        await app.RefusedNaming(await Dead("G-03"), "/dose-changes", new { changeId = "DC1", date = "2021-06-10", toDose = 10, reason = "Toxicity" }, "date");

    [Fact]
    public async Task a_dose_change_after_discontinuation_is_refused()
    {
        var subject = await app.Treated("G-04");
        await subject.Post("/discontinuation", new { date = "2021-05-01", reason = "Toxicity" });
        await app.RefusedNaming(subject, "/dose-changes", new { changeId = "DC1", date = "2021-05-10", toDose = 10, reason = "Toxicity" }, "date");
    }

    [Fact]
    public async Task a_baseline_scan_after_the_first_dose_is_refused()
    {
        var subject = await app.Enrolled("G-05");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await app.RefusedNaming(subject, "/baseline-lesions", new
        {
            assessmentDate = "2021-04-13", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } },
        }, "assessmentDate");
    }

    [Fact]
    public async Task an_interruption_linked_to_an_adverse_event_that_does_not_exist_is_refused() =>
        await app.RefusedNaming(await app.Treated("G-06"), "/interruptions", new { interruptionId = "I1", date = "2021-04-01", reason = "Toxicity", adverseEventId = "AE9" }, "adverseEventId");

    [Fact]
    public async Task a_grade_5_adverse_event_without_a_death_is_refused() =>
        await app.RefusedNaming(await app.Treated("G-07"), "/adverse-events",
            new { adverseEventId = "AE1", term = "Nasal bleeding", grade = 5, onsetDate = "2021-05-01", serious = true, relation = "Possible", action = "None" }, "grade");

    [Fact]
    public async Task a_grade_5_adverse_event_with_the_death_recorded_is_accepted() =>
        await (await Dead("G-08")).Post("/adverse-events",
            new { adverseEventId = "AE1", term = "Nasal bleeding", grade = 5, onsetDate = "2021-06-01", serious = true, relation = "Possible", action = "None" });

    [Fact]
    public async Task a_death_before_an_existing_contact_is_refused_naming_the_death_date()
    {
        var subject = await app.Treated("G-09");
        await subject.Post("/contacts", new { date = "2021-08-01", method = "phone" });
        await app.RefusedNaming(subject, "/death", new { date = "2021-07-01", cause = "Progression" }, "death.date");
    }

    [Fact]
    public async Task the_current_dose_honours_the_dose_given_at_a_resumption()
    {
        var subject = await app.Treated("G-10");
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-04-01", reason = "Hypertension" });
        var casebook = await subject.Post("/resumptions", new { interruptionId = "I1", date = "2021-04-08", dose = 10 });
        Assert.Equal(10, casebook.GetProperty("currentDose").GetInt32());
        var change = await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-05-01", toDose = 12, reason = "Recovered" });
        Assert.Equal(10, change.GetProperty("doseChanges")[0].GetProperty("fromDose").GetInt32());
    }
}
