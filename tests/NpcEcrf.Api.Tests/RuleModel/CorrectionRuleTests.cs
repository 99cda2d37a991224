using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>A correction is held to every rule an entry is held to: any date that orders clinical events keeps that order.</summary>
public class CorrectionRuleTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_dose_change_moved_before_the_first_dose_is_refused()
    {
        var subject = await app.Treated("R-01");
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Toxicity" });
        await app.CorrectionRefusedNaming(subject, "dose-change/DC1", "date", "2021-03-01");
    }

    [Fact]
    public async Task a_dose_change_moved_within_treatment_is_accepted()
    {
        var subject = await app.Treated("R-02");
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Toxicity" });
        await subject.Correct("dose-change/DC1", "date", "2021-03-18");
    }

    [Fact]
    public async Task cycle_2_moved_to_the_day_after_cycle_1_is_refused() =>
        await app.CorrectionRefusedNaming(await app.TreatedWithTwoCycles("R-03"), "cycle/2", "startDate", "2021-03-05");

    [Fact]
    public async Task cycle_2_moved_a_few_days_later_is_accepted() =>
        await (await app.TreatedWithTwoCycles("R-04")).Correct("cycle/2", "startDate", "2021-03-28");

    [Fact]
    public async Task an_interruption_moved_after_its_own_resumption_is_refused()
    {
        var subject = await app.Treated("R-05");
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-04-01", reason = "Hypertension" });
        await subject.Post("/resumptions", new { interruptionId = "I1", date = "2021-04-08", dose = 12 });
        await app.CorrectionRefusedNaming(subject, "interruption/I1", "date", "2021-04-10");
    }

    [Fact]
    public async Task an_adverse_events_onset_moved_after_its_grade_change_is_refused() =>
        await app.CorrectionRefusedNaming(await app.WithAdverseEventThatWorsened("R-06"), "adverse-event/AE1", "onsetDate", "2021-03-25");

    [Fact]
    public async Task visit_1_moved_after_visit_2_is_refused()
    {
        var subject = await app.Treated("R-07");
        foreach (var (id, date) in new[] { ("V1", "2021-04-15"), ("V2", "2021-05-27") })
            await subject.Post("/tumour-assessments", new { assessmentId = id, date, method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 28m }, nonTarget = "NE", newLesions = false });
        await app.CorrectionRefusedNaming(subject, "tumour-assessment/V1", "date", "2021-06-01");
    }

    [Fact]
    public async Task a_dose_changes_from_dose_corrected_to_a_dose_never_given_is_refused()
    {
        var subject = await app.Treated("R-08");
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Toxicity" });
        await app.CorrectionRefusedNaming(subject, "dose-change/DC1", "fromDose", 10);
    }

    [Fact]
    public async Task the_first_dose_moved_after_the_discontinuation_is_refused()
    {
        var subject = await app.Treated("R-09");
        await subject.Post("/discontinuation", new { date = "2021-04-01", reason = "Progression" });
        await app.CorrectionRefusedNaming(subject, "first-dose", "date", "2021-04-05");
    }

    [Fact]
    public async Task a_grade_change_can_be_corrected()
    {
        var subject = await app.WithAdverseEventThatWorsened("R-10");
        await subject.Correct("adverse-event/AE1", "grade", 1);
        var casebook = await subject.Correct("adverse-event/AE1", "gradeChanges[0].date", "2021-03-23");
        Assert.Equal(1, casebook.GetProperty("adverseEvents")[0].GetProperty("report").GetProperty("grade").GetInt32());
        Assert.Equal("2021-03-23", casebook.GetProperty("adverseEvents")[0].GetProperty("gradeChanges")[0].GetProperty("date").GetString());
    }

    [Fact]
    public async Task a_resolution_date_can_be_corrected_but_not_before_the_grade_change()
    {
        var subject = await app.WithAdverseEventThatWorsened("R-11");
        await subject.Post("/adverse-events/AE1/resolution", new { resolutionDate = "2021-04-20" });
        var casebook = await subject.Correct("adverse-event/AE1", "resolutionDate", "2021-04-18");
        Assert.Equal("2021-04-18", casebook.GetProperty("adverseEvents")[0].GetProperty("resolutionDate").GetString());
        await app.CorrectionRefusedNaming(subject, "adverse-event/AE1", "resolutionDate", "2021-03-20");
    }

    [Fact]
    public async Task an_identity_field_cannot_be_corrected()
    {
        var subject = await app.TreatedWithTwoCycles("R-12");
        await app.CorrectionRefusedNaming(subject, "cycle/2", "cycleNumber", 3);
    }

    [Fact]
    public async Task a_correction_outside_an_items_range_is_refused() =>
        await app.CorrectionRefusedNaming(await app.TreatedWithTwoCycles("R-13"), "cycle/1", "tabletsDispensed", 500);

    [Fact]
    public async Task a_correction_to_a_required_text_that_is_empty_is_refused()
    {
        var subject = await app.Treated("R-14");
        await app.CorrectionRefusedNaming(subject, "baseline-lesions", "method", " ");
    }

    [Fact]
    public async Task a_correction_to_null_of_a_required_value_is_refused() =>
        await app.CorrectionRefusedNaming(await app.Treated("R-15"), "first-dose", "date", null);
}
