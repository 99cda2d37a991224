using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.ScheduleTracking;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.TumourAssessments;
using static NpcEcrf.Api.Tests.Casebooks.SampleCasebook;
using Schedule = NpcEcrf.Api.Studies.Schedule;

namespace NpcEcrf.Api.Tests.ScheduleTracking;

/// <summary>
/// The schedule a subject owes, without a database. Enrolment on 2021-03-03 (day 1), first dose on 2021-03-04:
/// SCREENING days -27..1; W weekly labs, day 8 (6..10), four times (W1 2021-03-10, W2 03-17, W3 03-24, W4 03-31);
/// C a cycle from day 1 of the first dose (1..3), every 21 days, three times (C1 03-04, C2 03-25, C3 04-15);
/// tumour assessments every 42 days from the first dose (TA1 04-15 in 03-25..05-05, TA2 05-27 in 05-06..06-16, TA3 07-08).
/// </summary>
public class ScheduleTrackerTests
{
    private static readonly StudyForm Labs = new("labs", "Laboratory values",
        [new ItemGroup("LAB", "Laboratory values", [new Item("neutrophils", "Neutrophil count", ItemType.Float, Unit: "10^9/L")])], Repeating: true);

    private static readonly StudyForm Vitals = new("vitals", "Vital signs",
        [new ItemGroup("VS", "Vital signs", [new Item("systolic", "Systolic blood pressure", ItemType.Integer, Unit: "mmHg")])], Repeating: true);

    private static readonly StudyDefinition Definition = TestStudies.Reference with
    {
        Forms = [.. TestStudies.Reference.StudyForms, Labs, Vitals],
        Schedule = new Schedule(
        [
            new Visit("SCREENING", Anchors.Enrolment, 1, -27, 1, ["demographics", "prior-therapy"]),
            new Visit("W", Anchors.Enrolment, 8, 6, 10, ["labs"], RepeatEveryDays: 7, Repeats: 4),
            new Visit("C", Anchors.FirstDose, 1, 1, 3, ["cycle"], RepeatEveryDays: 21, Repeats: 3),
        ], TumourAssessmentIntervalDays: 42),
    };

    private static readonly Study TheStudy = TestStudies.InMemory("ANLO-NPC", [new Site("S1", "Guilin")], Definition);

    private static readonly object Enrolled = new SubjectEnrolled("ANLO-NPC", "S1", "001", D("2021-03-01"), D("2021-03-03"), "ANLOTINIB", TestStudies.Eligible);
    private static readonly object FirstDose = new FirstDoseGiven(D("2021-03-04"), 12);

    private static Casebook Subject(params object[] then) => Build([Enrolled, .. then]);
    private static Casebook Dosed(params object[] then) => Subject([FirstDose, .. then]);

    private static object LabsAt(string key) => new StudyFormEntered("labs", key, new JsonObject { ["neutrophils"] = 2.1 });
    private static object Scan(string id, string date) =>
        new TumourAssessed(id, D(date), "CT", new Dictionary<string, decimal?> { ["T1"] = 28m }, NonTargetStatus.NonCRNonPD, false);

    private static IReadOnlyList<ExpectedForm> Expected(Casebook c, string today, Study? study = null) => ScheduleTracker.Expected(c, study ?? TheStudy, D(today));

    private static ExpectedForm One(IReadOnlyList<ExpectedForm> expected, string visit, int occurrence, string form = "") =>
        Assert.Single(expected, e => e.Visit == visit && e.Occurrence == occurrence && (form == "" || e.Form == form));

    private static ExpectedForm Tumour(IReadOnlyList<ExpectedForm> expected, int occurrence) => One(expected, ScheduleTracker.TumourVisit, occurrence);

    [Fact]
    public void the_test_definition_is_a_valid_one() => Assert.Empty(DefinitionRules.Problems(Definition));

    // ---------- dates and windows ----------

    [Fact]
    public void visits_counted_from_the_first_dose_are_not_scheduled_until_there_is_one()
    {
        var before = Expected(Subject(), "2021-03-05");
        Assert.All(before.Where(e => e.Visit is "C" || e.Form == ScheduleTracker.TumourForm), e =>
        {
            Assert.Equal(ScheduleStatus.NotScheduled, e.Status);
            Assert.Null(e.TargetDate);
            Assert.Null(e.EarliestDate);
        });
        Assert.Equal(3, before.Count(e => e.Visit == "C"));
        Assert.Equal(D("2021-03-10"), One(before, "W", 1).TargetDate);

        var after = Expected(Dosed(), "2021-03-05");
        var c1 = One(after, "C", 1);
        Assert.Equal((D("2021-03-04"), D("2021-03-04"), D("2021-03-06"), ScheduleStatus.Due), (c1.TargetDate, c1.EarliestDate, c1.LatestDate, c1.Status));
        Assert.Equal((D("2021-04-15"), ScheduleStatus.Upcoming), (One(after, "C", 3).TargetDate, One(after, "C", 3).Status));
        Assert.DoesNotContain(after, e => e.Status == ScheduleStatus.NotScheduled);
    }

    [Fact]
    public void day_one_is_the_anchors_date_and_repeats_shift_the_whole_window()
    {
        var expected = Expected(Subject(), "2021-03-05");
        var screening = One(expected, "SCREENING", 1, "demographics");
        Assert.Equal((D("2021-03-03"), D("2021-02-03"), D("2021-03-03")), (screening.TargetDate!.Value, screening.EarliestDate!.Value, screening.LatestDate!.Value));
        var w3 = One(expected, "W", 3);
        Assert.Equal((D("2021-03-24"), D("2021-03-22"), D("2021-03-26")), (w3.TargetDate!.Value, w3.EarliestDate!.Value, w3.LatestDate!.Value));
        Assert.Equal(4, expected.Count(e => e.Visit == "W"));
    }

    [Theory]
    [InlineData("2021-03-14", ScheduleStatus.Upcoming)]
    [InlineData("2021-03-15", ScheduleStatus.Due)]
    [InlineData("2021-03-19", ScheduleStatus.Due)]
    [InlineData("2021-03-20", ScheduleStatus.Overdue)]
    public void a_form_is_upcoming_before_its_window_due_inside_it_and_overdue_after_it(string today, string status) =>
        Assert.Equal(status, One(Expected(Subject(), today), "W", 2).Status);

    [Fact]
    public void expected_forms_come_in_date_order_with_those_not_scheduled_last()
    {
        var expected = Expected(Subject(), "2021-03-05");
        Assert.Equal(expected.OrderBy(e => e.TargetDate ?? DateOnly.MaxValue).Select(e => (e.Visit, e.Occurrence, e.Form)), expected.Select(e => (e.Visit, e.Occurrence, e.Form)));
        Assert.Equal(ScheduleStatus.NotScheduled, expected[^1].Status);
    }

    // ---------- matching ----------

    [Fact]
    public void a_form_entered_once_is_done_when_entered_whatever_its_date()
    {
        var expected = Expected(Subject(new DemographicsRecorded("F", 1970, 50)), "2021-03-20");
        var demographics = One(expected, "SCREENING", 1, "demographics");
        Assert.Equal((ScheduleStatus.Done, "demographics", (string?)null), (demographics.Status, demographics.Instance, demographics.Key));
        Assert.Equal(ScheduleStatus.Overdue, One(expected, "SCREENING", 1, "prior-therapy").Status);
    }

    [Fact]
    public void a_repeating_study_form_is_done_by_the_instance_keyed_with_the_visit_and_occurrence()
    {
        var expected = Expected(Subject(LabsAt("W2"), LabsAt("w3")), "2021-03-27");
        var w2 = One(expected, "W", 2);
        Assert.Equal((ScheduleStatus.Done, "W2", "labs/W2"), (w2.Status, w2.Key, w2.Instance));
        Assert.Equal(ScheduleStatus.Done, One(expected, "W", 3).Status); // keys match whatever their case
        var w1 = One(expected, "W", 1);
        Assert.Equal((ScheduleStatus.Overdue, "W1", (string?)null), (w1.Status, w1.Key, w1.Instance));
    }

    [Fact]
    public void a_visit_that_does_not_repeat_keys_its_repeating_forms_by_its_name()
    {
        var study = TestStudies.InMemory("ANLO-NPC", [new Site("S1", "Guilin")], Definition with
        {
            Schedule = new Schedule([new Visit("EOT", Anchors.Enrolment, 30, 25, 35, ["labs"])]),
        });
        Assert.Equal("EOT", One(Expected(Subject(), "2021-03-05", study), "EOT", 1).Key);
        Assert.Equal(ScheduleStatus.Done, One(Expected(Subject(LabsAt("EOT")), "2021-03-05", study), "EOT", 1).Status);
        Assert.Equal(ScheduleStatus.Upcoming, One(Expected(Subject(LabsAt("EOT1")), "2021-03-05", study), "EOT", 1).Status);
    }

    [Fact]
    public void cycles_are_matched_by_their_number()
    {
        var expected = Expected(Dosed(new CycleRecorded(1, D("2021-03-04"), 12, 14, 0), new CycleRecorded(2, D("2021-03-25"), 12, 14, 0)), "2021-04-16");
        Assert.Equal(("2", "cycle/2", ScheduleStatus.Done), (One(expected, "C", 2).Key, One(expected, "C", 2).Instance, One(expected, "C", 2).Status));
        Assert.Equal(ScheduleStatus.Done, One(expected, "C", 1).Status);
        Assert.Equal(ScheduleStatus.Due, One(expected, "C", 3).Status);
    }

    [Fact]
    public void tumour_assessments_are_expected_every_interval_from_the_first_dose_up_to_the_next_one()
    {
        var expected = Expected(Dosed(), "2021-04-20");
        var first = Tumour(expected, 1);
        Assert.Equal((D("2021-04-15"), D("2021-03-25"), D("2021-05-05"), ScheduleStatus.Due), (first.TargetDate!.Value, first.EarliestDate!.Value, first.LatestDate!.Value, first.Status));
        var second = Tumour(expected, 2);
        Assert.Equal((D("2021-05-27"), D("2021-05-06"), ScheduleStatus.Upcoming), (second.TargetDate!.Value, second.EarliestDate!.Value, second.Status));
        Assert.Equal(2, expected.Count(e => e.Form == ScheduleTracker.TumourForm));

        // A day after the second window opens, the third is listed as the next one.
        Assert.Equal(3, Expected(Dosed(), "2021-05-06").Count(e => e.Form == ScheduleTracker.TumourForm));
    }

    [Fact]
    public void scans_fulfil_tumour_assessments_in_date_order()
    {
        // Entered out of order: the earlier scan is the first assessment.
        var expected = Expected(Dosed(Scan("V2", "2021-05-30"), Scan("V1", "2021-04-14")), "2021-06-20");
        Assert.Equal(("tumour-assessment/V1", ScheduleStatus.Done), (Tumour(expected, 1).Instance, Tumour(expected, 1).Status));
        Assert.Equal(("tumour-assessment/V2", ScheduleStatus.Done), (Tumour(expected, 2).Instance, Tumour(expected, 2).Status));
        Assert.Equal(ScheduleStatus.Due, Tumour(expected, 3).Status);
    }

    [Fact]
    public void a_scan_before_any_window_opens_fulfils_no_assessment()
    {
        var expected = Expected(Dosed(Scan("U1", "2021-03-20")), "2021-05-10");
        Assert.Equal(ScheduleStatus.Overdue, Tumour(expected, 1).Status);
        Assert.Equal(ScheduleStatus.Done, Tumour(Expected(Dosed(Scan("U1", "2021-03-25")), "2021-05-10"), 1).Status);
    }

    // ---------- missed ----------

    [Fact]
    public void a_form_recorded_missed_is_missed_with_its_reason_and_done_once_entered()
    {
        var missed = new ExpectedFormMissed("W", 1, "labs", "Did not attend");
        Assert.Equal(ScheduleStatus.Overdue, One(Expected(Subject(), "2021-03-20"), "W", 1).Status);

        var recorded = One(Expected(Subject(missed), "2021-03-20"), "W", 1);
        Assert.Equal((ScheduleStatus.Missed, "Did not attend"), (recorded.Status, recorded.MissedReason));

        var entered = One(Expected(Subject(missed, LabsAt("W1")), "2021-03-20"), "W", 1);
        Assert.Equal((ScheduleStatus.Done, (string?)null), (entered.Status, entered.MissedReason));
    }

    [Fact]
    public void recording_a_missed_form_again_replaces_its_reason()
    {
        var casebook = Subject(new ExpectedFormMissed("W", 1, "labs", "Did not attend"), new ExpectedFormMissed("W", 1, "labs", "In hospital elsewhere"));
        var kept = Assert.Single(casebook.MissedForms);
        Assert.Equal(("In hospital elsewhere", 3L), (kept.Reason, kept.Version));
        Assert.Equal(3, casebook.LastDataVersion);
        Assert.Equal("In hospital elsewhere", One(Expected(casebook, "2021-03-20"), "W", 1).MissedReason);
    }

    [Fact]
    public void a_scan_after_a_missed_tumour_assessment_fulfils_the_next_one()
    {
        var missed = new ExpectedFormMissed(ScheduleTracker.TumourVisit, 1, ScheduleTracker.TumourForm, "Scanner down");
        var expected = Expected(Dosed(missed, Scan("V2", "2021-05-30")), "2021-06-01");
        Assert.Equal(ScheduleStatus.Missed, Tumour(expected, 1).Status);
        Assert.Equal(ScheduleStatus.Done, Tumour(expected, 2).Status);

        // Without the missed record the same scan is the first assessment, late.
        var unrecorded = Expected(Dosed(Scan("V2", "2021-05-30")), "2021-06-01");
        Assert.Equal((ScheduleStatus.Done, ScheduleStatus.Due), (Tumour(unrecorded, 1).Status, Tumour(unrecorded, 2).Status));
    }

    [Fact]
    public void a_late_entry_of_a_scan_recorded_missed_fulfils_it()
    {
        var missed = new ExpectedFormMissed(ScheduleTracker.TumourVisit, 1, ScheduleTracker.TumourForm, "Scanner down");
        var expected = Expected(Dosed(missed, Scan("V1", "2021-04-20")), "2021-04-25");
        Assert.Equal(ScheduleStatus.Done, Tumour(expected, 1).Status);
        Assert.Equal(ScheduleStatus.Upcoming, Tumour(expected, 2).Status);
    }

    [Fact]
    public void counts_add_up_the_statuses()
    {
        var expected = Expected(Dosed(new DemographicsRecorded("F", 1970, 50), LabsAt("W1"), new ExpectedFormMissed("W", 2, "labs", "Did not attend")), "2021-03-24");
        var counts = ScheduleCounts.Of(expected);
        Assert.Equal((2, 1, 1, 0), (counts.Done, counts.Missed, counts.Due, counts.NotScheduled)); // demographics and W1; W2; W3; none
        Assert.Equal(expected.Count, counts.Done + counts.Due + counts.Overdue + counts.Missed + counts.Upcoming + counts.NotScheduled);
        Assert.Equal(ScheduleCounts.Of(expected) with { Done = counts.Done * 2, Due = counts.Due * 2, Overdue = counts.Overdue * 2, Missed = counts.Missed * 2, Upcoming = counts.Upcoming * 2 },
            ScheduleCounts.Sum([counts, counts]));
    }

    // ---------- end of participation ----------

    [Fact]
    public void after_a_discontinuation_nothing_more_is_expected()
    {
        var ongoing = Expected(Dosed(), "2021-06-01");
        Assert.Contains(ongoing, e => e.Visit == "W" && e.Occurrence == 3);
        Assert.Contains(ongoing, e => e.Visit == "C" && e.Occurrence == 2);
        Assert.Contains(ongoing, e => e.Form == ScheduleTracker.TumourForm);

        var stopped = Expected(Dosed(new TreatmentDiscontinued(D("2021-03-17"), DiscontinuationReason.Toxicity, null)), "2021-06-01");
        Assert.Equal([1, 2], stopped.Where(e => e.Visit == "W").Select(e => e.Occurrence)); // W2's target is the day of the discontinuation
        Assert.Equal([1], stopped.Where(e => e.Visit == "C").Select(e => e.Occurrence));
        Assert.DoesNotContain(stopped, e => e.Form == ScheduleTracker.TumourForm);
    }

    [Fact]
    public void a_form_entered_after_the_end_is_still_done()
    {
        var expected = Expected(Dosed(new TreatmentDiscontinued(D("2021-03-17"), DiscontinuationReason.Toxicity, null), LabsAt("W4")), "2021-06-01");
        Assert.Equal(ScheduleStatus.Done, One(expected, "W", 4).Status);
        Assert.DoesNotContain(expected, e => e.Visit == "W" && e.Occurrence == 3);
    }

    [Fact]
    public void after_a_death_nothing_more_is_expected_and_without_a_first_dose_nothing_counted_from_it()
    {
        var expected = Expected(Subject(new DeathRecorded(D("2021-03-12"), "Progression")), "2021-06-01");
        Assert.Equal([1], expected.Where(e => e.Visit == "W").Select(e => e.Occurrence));
        Assert.DoesNotContain(expected, e => e.Status == ScheduleStatus.NotScheduled);
        Assert.Equal(D("2021-03-12"), ScheduleTracker.EndOf(Subject(new DeathRecorded(D("2021-03-12"), "Progression"))));
        Assert.Equal(D("2021-03-11"), ScheduleTracker.EndOf(Subject(new LostToFollowUp(D("2021-03-11"), "Moved"))));
        Assert.Null(ScheduleTracker.EndOf(Subject()));
    }

    // ---------- definition versions ----------

    private static Study Amended(Func<StudyDefinition, StudyDefinition> change, string from = "2021-03-15") => TheStudy with
    {
        Definitions = [.. TheStudy.Versions, new DefinitionVersion(2, D(from), change(Definition), "Amendment 1", true)],
    };

    [Fact]
    public void each_expectation_falls_under_the_version_in_force_on_its_target_date()
    {
        var study = Amended(d => d with
        {
            Schedule = d.Schedule! with { Visits = [.. d.Schedule!.Visits.Select(v => v.Name == "W" ? v with { Forms = ["labs", "vitals"] } : v)] },
        });
        var expected = Expected(Subject(), "2021-03-05", study);
        Assert.Equal([("labs", 1)], expected.Where(e => e.Visit == "W" && e.Occurrence == 1).Select(e => (e.Form, e.DefinitionVersion)));
        Assert.Equal([("labs", 2), ("vitals", 2)], expected.Where(e => e.Visit == "W" && e.Occurrence == 2).Select(e => (e.Form, e.DefinitionVersion)));
        Assert.Equal(1, One(expected, "SCREENING", 1, "demographics").DefinitionVersion);
        // Not scheduled yet: under the version in force today.
        Assert.Equal(1, One(expected, "C", 1).DefinitionVersion);
        Assert.Equal(2, One(Expected(Subject(), "2021-03-16", study), "C", 1).DefinitionVersion);
    }

    [Fact]
    public void a_form_retired_by_an_amendment_is_not_expected_from_then_on()
    {
        var study = Amended(d => d with { Forms = [.. d.StudyForms.Select(f => f.Name == "labs" ? f with { Retired = true } : f)] });
        var expected = Expected(Subject(), "2021-03-05", study);
        Assert.Equal([1], expected.Where(e => e.Visit == "W").Select(e => e.Occurrence));
    }

    [Fact]
    public void an_amended_tumour_interval_holds_from_its_date()
    {
        var study = Amended(d => d with { Schedule = d.Schedule! with { TumourAssessmentIntervalDays = 56 } }, from: "2021-05-01");
        var expected = Expected(Dosed(), "2021-07-01", study);
        // 42 days while version 1 is in force (TA1 on 2021-04-15), then every 56 days from the first dose (2021-06-24, 2021-08-19).
        Assert.Equal([(D("2021-04-15"), 1), (D("2021-06-24"), 2), (D("2021-08-19"), 2)],
            expected.Where(e => e.Form == ScheduleTracker.TumourForm).Select(e => (e.TargetDate!.Value, e.DefinitionVersion)));
        Assert.Equal([1, 2, 3], expected.Where(e => e.Form == ScheduleTracker.TumourForm).Select(e => e.Occurrence));
    }

    // ---------- recording a missed form (the pure decision) ----------

    private static Decision Decide(Casebook c, string today, object command) =>
        RecordMissedForm.Decide(new SubjectContext(c, TheStudy, new Actor("cra", "CRA", new HashSet<string> { "cra" }, new HashSet<string> { "S1" }), D(today)), (RecordMissedForm)command);

    [Fact]
    public void a_visit_not_scheduled_yet_cannot_be_missed_and_one_scheduled_can()
    {
        var refused = Decide(Subject(), "2021-03-05", new RecordMissedForm("C", "cycle", "Not given", 1));
        Assert.Equal("visit", Assert.Single(refused.Rejection!.Errors!).Key);
        var accepted = Decide(Dosed(), "2021-03-05", new RecordMissedForm("c", "CYCLE", "Not given", 1));
        Assert.Equal(new ExpectedFormMissed("C", 1, "cycle", "Not given"), Assert.Single(accepted.Events));
    }

    [Fact]
    public void what_is_no_longer_expected_cannot_be_missed()
    {
        var stopped = Dosed(new TreatmentDiscontinued(D("2021-03-17"), DiscontinuationReason.Toxicity, null));
        var refused = Decide(stopped, "2021-06-01", new RecordMissedForm("W", "labs", "Gone", 3));
        Assert.Contains("2021-03-17", Assert.Single(refused.Rejection!.Errors!, e => e.Key == "occurrence").Value[0]);
        Assert.Null(Decide(stopped, "2021-06-01", new RecordMissedForm("W", "labs", "Gone", 2)).Rejection);
    }

    [Fact]
    public void a_tumour_assessment_of_the_interval_can_be_missed_up_to_the_next_one_expected()
    {
        Assert.Null(Decide(Dosed(), "2021-04-20", new RecordMissedForm(ScheduleTracker.TumourVisit, ScheduleTracker.TumourForm, "Scanner down", 2)).Rejection);
        Assert.Equal("occurrence", Assert.Single(Decide(Dosed(), "2021-04-20", new RecordMissedForm(ScheduleTracker.TumourVisit, ScheduleTracker.TumourForm, "Scanner down", 3)).Rejection!.Errors!).Key);
        Assert.Equal("form", Assert.Single(Decide(Dosed(), "2021-04-20", new RecordMissedForm(ScheduleTracker.TumourVisit, "labs", "Scanner down", 1)).Rejection!.Errors!).Key);
    }
}
