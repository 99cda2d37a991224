using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.StudyForms;
using NpcEcrf.Api.Studies;
using Study = NpcEcrf.Api.Studies.Study;
using System.Reflection;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using static NpcEcrf.Api.Tests.Casebooks.SampleCasebook;

namespace NpcEcrf.Api.Tests.Casebooks;

/// <summary>The test shows the check raising a finding on a casebook that breaks it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FiresAttribute(params string[] checkIds) : Attribute
{
    public IReadOnlyList<string> CheckIds { get; } = checkIds;
}

/// <summary>The test shows the check quiet on a valid casebook, or on the nearest valid variant of one that breaks it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DoesNotFireAttribute(params string[] checkIds) : Attribute
{
    public IReadOnlyList<string> CheckIds { get; } = checkIds;
}

/// <summary>
/// Every check of the catalogue, without a database: each one fires on a casebook that breaks it, naming the form
/// instance and field, and stays quiet on the nearest valid casebook. Each test says which check ids it covers
/// ([Fires] / [DoesNotFire]); <see cref="every_check_has_a_test_that_fires_it_and_one_that_does_not"/> holds the catalogue to that.
/// </summary>
public class CheckTests
{
    // ---------- helpers ----------

    private static string Describe(IEnumerable<CheckFinding> findings) =>
        string.Join("; ", findings.Select(f => $"{f.CheckId}@{f.Form}.{f.Field}")) is { Length: > 0 } s ? s : "none";

    private static void Fires(Casebook casebook, string checkId, params (string Form, string Field)[] at) => Fires(casebook, SampleCasebook.Study, checkId, at);

    private static void Fires(Casebook casebook, Study study, string checkId, params (string Form, string Field)[] at)
    {
        var findings = Findings(casebook, study);
        var mine = findings.Where(f => f.CheckId == checkId).ToList();
        Assert.True(mine.Count > 0, $"expected a '{checkId}' finding; the casebook has: {Describe(findings)}");
        foreach (var (form, field) in at)
            Assert.True(mine.Any(f => f.Form.ToString() == form && f.Field == field),
                $"expected '{checkId}' on {form}.{field}; its findings: {Describe(mine)}");
    }

    private static void DoesNotFire(Casebook casebook, string checkId) => DoesNotFire(casebook, SampleCasebook.Study, checkId);

    private static void DoesNotFire(Casebook casebook, Study study, string checkId)
    {
        var mine = Findings(casebook, study).Where(f => f.CheckId == checkId).ToList();
        Assert.True(mine.Count == 0, $"expected no '{checkId}' finding; got: {Describe(mine)}");
    }

    /// <summary>The complete casebook with AE1 still going on (a resolved event takes no more grade changes), then <paramref name="then"/>.</summary>
    private static Casebook Unresolved(params object[] then) => Without<AdverseEventResolved>(then);

    private static TreatmentDiscontinued Discontinued(string date, DiscontinuationReason reason = DiscontinuationReason.Toxicity, string? details = null) =>
        new(D(date), reason, details);

    private static TumourAssessed Visit(string id, string date, params (string Lesion, decimal? Mm)[] diameters) =>
        new(id, D(date), "CT", diameters.ToDictionary(d => d.Lesion, d => d.Mm), NonTargetStatus.NonCRNonPD, false);

    /// <summary>"liver:30,liver:20,node:15": target lesions T1, T2, ... ("node" is a nodal lesion, measured by its short axis).</summary>
    private static BaselineLesionsRecorded Baseline(string targets, params NonTargetLesion[] nonTargets) =>
        new(D("2021-02-25"), "CT",
            [.. targets.Split(',').Select((t, i) => t.Split(':') is [var organ, var mm]
                ? new TargetLesion($"T{i + 1}", organ == "node" ? "cervical lymph node" : organ, organ == "node", decimal.Parse(mm, System.Globalization.CultureInfo.InvariantCulture))
                : throw new ArgumentException(t))],
            nonTargets);

    // ---------- the catalogue is covered ----------

    [Fact]
    public void the_complete_casebook_has_no_finding() => Assert.Empty(Findings(With()));

    [Fact]
    public void check_ids_are_unique()
    {
        var ids = CasebookChecks.Generic.Concat(FormCatalogue.Checks).Select(c => c.Id).ToList();
        Assert.Empty(ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Fact]
    public void every_check_has_a_test_that_fires_it_and_one_that_does_not()
    {
        var catalogue = CasebookChecks.Generic.Concat(FormCatalogue.Checks).Select(c => c.Id).ToHashSet();
        var methods = typeof(CheckTests).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.GetCustomAttributes<FactAttribute>().Any()).ToList();
        var fires = methods.SelectMany(m => m.GetCustomAttributes<FiresAttribute>()).SelectMany(a => a.CheckIds).ToHashSet();
        var quiet = methods.SelectMany(m => m.GetCustomAttributes<DoesNotFireAttribute>()).SelectMany(a => a.CheckIds).ToHashSet();

        Assert.True(catalogue.Except(fires).Order().ToList() is [], $"checks with no test that fires them: {string.Join(", ", catalogue.Except(fires).Order())}");
        Assert.True(catalogue.Except(quiet).Order().ToList() is [], $"checks with no test where they stay quiet: {string.Join(", ", catalogue.Except(quiet).Order())}");
        Assert.True(fires.Union(quiet).Except(catalogue).ToList() is [], $"tests name checks the catalogue does not have: {string.Join(", ", fires.Union(quiet).Except(catalogue))}");
    }

    // ---------- generic: date-in-future ----------

    [Fact, Fires("date-in-future")]
    public void a_contact_dated_tomorrow_is_in_the_future() =>
        Fires(With(new ContactRecorded(D("2024-01-02"), "telephone")), "date-in-future", ("contact/2", "date"));

    [Fact, Fires("date-in-future")]
    public void a_corrected_resolution_date_in_the_future_is_found_on_the_adverse_event() =>
        Fires(With(Correct("adverse-event/AE1", "resolutionDate", Json("2024-06-30"))), "date-in-future", ("adverse-event/AE1", "resolutionDate"));

    [Fact, DoesNotFire("date-in-future")]
    public void a_contact_dated_today_is_not_in_the_future() =>
        DoesNotFire(With(new ContactRecorded(Today, "telephone")), "date-in-future");

    // ---------- generic: range ----------

    [Theory, Fires("range")]
    [InlineData("ecog", "score", "6")]
    [InlineData("demographics", "yearOfBirth", "1899")]
    [InlineData("prior-therapy", "priorSystemicLines", "21")]
    [InlineData("adverse-event/AE1", "gradeChanges[0].grade", "6")]
    [InlineData("baseline-lesions", "targets[0].diameterMm", "0")]
    [InlineData("tumour-assessment/V1", "targetDiametersMm.T1", "-1")]
    [InlineData("tumour-assessment/V2", "targetDiametersMm.T1", "1000.5")]
    public void a_number_outside_its_item_range_is_found(string form, string field, string json) =>
        Fires(With(Correct(form, field, json)), "range", (form, field));

    [Theory, DoesNotFire("range")]
    [InlineData("ecog", "score", "0")]
    [InlineData("ecog", "score", "5")]
    [InlineData("cycle/1", "tabletsReturned", "100")]
    [InlineData("prior-therapy", "priorSystemicLines", "20")]
    [InlineData("baseline-lesions", "targets[0].diameterMm", "0.1")]
    [InlineData("tumour-assessment/V1", "targetDiametersMm.T1", "0")]
    [InlineData("tumour-assessment/V1", "targetDiametersMm.T1", "null")]
    public void a_number_on_the_edge_of_its_range_or_not_evaluated_is_within_it(string form, string field, string json) =>
        DoesNotFire(With(Correct(form, field, json)), "range");

    // ---------- generic: required ----------

    [Fact, Fires("required")]
    public void a_blank_text_item_is_required() =>
        Fires(With(new ContactRecorded(D("2021-10-01"), "  ")), "required", ("contact/2", "method"));

    [Fact, Fires("required")]
    public void an_empty_text_in_a_list_is_required() =>
        Fires(With(Correct("metastatic-sites", "other[0].site", Json(""))), "required", ("metastatic-sites", "other[0].site"));

    [Fact, DoesNotFire("required")]
    public void optional_items_may_be_left_empty() =>
        DoesNotFire(With(
            new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null),
            Visit("V3", "2021-08-02", ("T1", null)),
            new AdverseEventReported("AE2", "Fatigue", 1, D("2021-08-03"), false, Relation.Possible, ActionTaken.None),
            Discontinued("2021-08-10")), "required");

    // ---------- enrolment ----------

    [Fact, Fires("consent-after-enrolment")]
    public void consent_the_day_after_enrolment_is_refused() =>
        Fires(With(Correct("enrolment", "consentDate", Json("2021-03-04"))), "consent-after-enrolment",
            ("enrolment", "consentDate"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("consent-after-enrolment")]
    public void consent_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(Correct("enrolment", "consentDate", Json("2021-03-03"))), "consent-after-enrolment");

    [Fact, Fires("eligibility")]
    public void an_unconfirmed_eligibility_is_refused() =>
        Fires(With(Correct("enrolment", "eligibility.I1", "false")), "eligibility", ("enrolment", "eligibility.I1"));

    [Fact, DoesNotFire("eligibility")]
    public void a_confirmed_eligibility_is_accepted() => DoesNotFire(With(), "eligibility");

    [Fact, Fires("date-before-birth")]
    public void a_diagnosis_before_the_year_of_birth_is_refused() =>
        Fires(With(Correct("disease-status", "diagnosisDate", "\"1969-12-31\"")), "date-before-birth", ("disease-status", "diagnosisDate"), ("demographics", "yearOfBirth"));

    [Fact, DoesNotFire("date-before-birth")]
    public void a_diagnosis_in_the_year_of_birth_is_accepted() =>
        DoesNotFire(With(Correct("disease-status", "diagnosisDate", "\"1970-01-01\"")), "date-before-birth");

    [Theory, Fires("age-year-of-birth")]
    [InlineData(49)]
    [InlineData(52)]
    public void an_age_the_year_of_birth_does_not_allow_is_refused(int age) =>
        Fires(With(Correct("demographics", "ageAtEnrolment", age.ToString())), "age-year-of-birth", ("demographics", "ageAtEnrolment"));

    [Theory, DoesNotFire("age-year-of-birth")]
    [InlineData(50)] // birthday later in 2021
    [InlineData(51)] // birthday already passed
    public void either_age_the_year_of_birth_allows_is_accepted(int age) =>
        DoesNotFire(With(Correct("demographics", "ageAtEnrolment", age.ToString())), "age-year-of-birth");

    [Fact, Fires("date-order")]
    public void a_diagnosis_after_enrolment_is_refused_as_the_study_orders_it() =>
        Fires(With(Correct("disease-status", "diagnosisDate", Json("2021-03-04"))), "date-order",
            ("disease-status", "diagnosisDate"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("date-order")]
    public void a_diagnosis_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(Correct("disease-status", "diagnosisDate", Json("2021-03-03"))), "date-order");

    [Fact, Fires("eligibility-answered")]
    public void a_criterion_left_unanswered_or_not_the_studys_is_refused() =>
        Fires(Replacing(Enrolled(without: "I3", extra: "I9")), "eligibility-answered", ("enrolment", "eligibility.I3"), ("enrolment", "eligibility.I9"));

    [Fact, DoesNotFire("eligibility-answered")]
    public void every_criterion_answered_is_accepted() => DoesNotFire(With(), "eligibility-answered");

    private static SubjectEnrolled Enrolled(string without, string extra)
    {
        var answered = new Dictionary<string, bool>(TestStudies.Eligible) { [extra] = true };
        answered.Remove(without);
        return (SubjectEnrolled)Events()[0] with { Eligibility = answered };
    }

    // ---------- generic: data type and code list ----------

    [Theory, Fires("data-type")]
    [InlineData("prior-therapy", "priorSystemicLines", "\"two\"")]
    [InlineData("prior-therapy", "priorSystemicLines", "1.5")]
    [InlineData("metastatic-sites", "liver", "\"yes\"")]
    [InlineData("disease-status", "diagnosisDate", "\"2019-02-30\"")]
    public void a_corrected_value_of_the_wrong_type_in_a_study_form_is_refused(string form, string field, string json) =>
        Fires(With(Correct(form, field, json)), "data-type", (form, field));

    [Fact, DoesNotFire("data-type")]
    public void values_of_their_items_types_are_accepted() => DoesNotFire(With(Correct("prior-therapy", "priorSystemicLines", "3")), "data-type");

    [Theory, Fires("code-list")]
    [InlineData("demographics", "sex", "Male")]
    [InlineData("disease-status", "pattern", "Metastasised")]
    [InlineData("adverse-event/AE1", "report.term", "Not a CTCAE term")]
    [InlineData("enrolment", "arm", "PLACEBO")]
    public void a_value_outside_its_code_list_is_refused(string form, string field, string value) =>
        Fires(With(Correct(form, field, Json(value))), "code-list", (form, field));

    [Theory, DoesNotFire("code-list")]
    [InlineData("demographics", "sex", "UNDIFFERENTIATED")]
    [InlineData("disease-status", "pattern", "Both")]
    [InlineData("adverse-event/AE1", "report.term", "Fatigue")]
    public void a_value_of_its_code_list_is_accepted(string form, string field, string value) =>
        DoesNotFire(With(Correct(form, field, Json(value))), "code-list");

    // ---------- generic: soft range ----------

    private static readonly Study WithLabs = StudyWith(d => d with
    {
        Forms = [.. d.StudyForms, new StudyForm("labs", "Laboratory", [new ItemGroup("LB", "Haematology",
            [new Item("anc", "Neutrophils", ItemType.Float, Unit: "10^9/L", Hard: new RangeCheck(0, 100), Soft: new RangeCheck(1.5m, 8))])])],
    });

    [Theory, Fires("soft-range")]
    [InlineData("1.4")]
    [InlineData("8.1")]
    public void a_value_outside_its_expected_range_raises_a_query(string anc) =>
        Fires(With(new StudyFormEntered("labs", null, new() { ["anc"] = decimal.Parse(anc, System.Globalization.CultureInfo.InvariantCulture) })), WithLabs, "soft-range", ("labs", "anc"));

    [Fact, Fires("soft-range")]
    public void a_whole_number_held_in_memory_is_read_as_a_number() =>
        Fires(With(new StudyFormEntered("labs", null, new() { ["anc"] = 9 })), WithLabs, "soft-range", ("labs", "anc"));

    [Theory, DoesNotFire("soft-range")]
    [InlineData("1.5")]
    [InlineData("8")]
    public void a_value_on_the_edge_of_its_expected_range_raises_none(string anc) =>
        DoesNotFire(With(new StudyFormEntered("labs", null, new() { ["anc"] = decimal.Parse(anc, System.Globalization.CultureInfo.InvariantCulture) })), WithLabs, "soft-range");

    // ---------- dosing by the protocol ----------

    private static readonly Study PerBodySurface = StudyWith(d => d with
    {
        Treatment = d.Treatment with { DoseUnit = DoseUnits.MgPerM2, DoseBasisItem = "body.bsa" },
        Forms = [.. d.StudyForms, new StudyForm("body", "Body size", [new ItemGroup("BS", "Body size", [new Item("bsa", "Body surface area", ItemType.Float, Unit: "m2")])], Baseline: true)],
    });

    [Fact, Fires("dose-basis")]
    public void a_dose_per_body_surface_without_the_body_surface_is_refused() =>
        Fires(With(), PerBodySurface, "dose-basis", ("first-dose", "dose"));

    [Fact, DoesNotFire("dose-basis")]
    public void a_dose_per_body_surface_with_the_body_surface_recorded_is_accepted() =>
        DoesNotFire(With(new StudyFormEntered("body", null, new() { ["bsa"] = 1.8m })), PerBodySurface, "dose-basis");

    [Theory, Fires("drug-accountability")]
    [InlineData("tabletsDispensed", "101")]
    [InlineData("tabletsReturned", "null")]
    public void a_cycle_past_or_missing_its_accountability_is_refused(string field, string json) =>
        Fires(With(Correct("cycle/1", field, json)), "drug-accountability", ("cycle/1", field));

    [Fact, DoesNotFire("drug-accountability")]
    public void a_study_that_keeps_no_accountability_takes_cycles_without_counts() =>
        DoesNotFire(With(new CycleRecorded(4, D("2021-05-06"), 10, null, null)), StudyWith(d => d with { Treatment = d.Treatment with { UnitsDispensedMax = null } }), "drug-accountability");

    [Fact, Fires("cycle-spacing")]
    public void a_cycle_before_the_protocols_cycle_length_is_refused_under_that_protocol() =>
        Fires(With(new CycleRecorded(4, D("2021-05-06"), 10, 14, 0)), StudyWith(d => d with { Treatment = d.Treatment with { CycleDays = 28 } }), "cycle-spacing", ("cycle/4", "startDate"));

    [Fact, DoesNotFire("cycle-spacing")]
    public void a_14_day_cycle_is_accepted_under_a_14_day_protocol() =>
        DoesNotFire(With(new CycleRecorded(4, D("2021-04-29"), 10, 14, 0)), StudyWith(d => d with { Treatment = d.Treatment with { CycleDays = 14 } }), "cycle-spacing");

    // ---------- first dose ----------

    [Theory, Fires("dose-level")]
    [InlineData("first-dose", "dose", "11")]
    [InlineData("cycle/2", "dose", "8")]
    [InlineData("dose-change/DC1", "toDose", "8")]
    [InlineData("resumption/I1", "dose", "14")]
    public void a_dose_that_is_not_a_protocol_level_is_refused(string form, string field, string json) =>
        Fires(With(Correct(form, field, json)), "dose-level", (form, field));

    [Fact, DoesNotFire("dose-level")]
    public void doses_at_the_protocol_levels_are_accepted() => DoesNotFire(With(), "dose-level");

    [Fact, Fires("dose-before-enrolment")]
    public void a_first_dose_before_enrolment_is_refused() =>
        Fires(With(Correct("first-dose", "date", Json("2021-03-02"))), "dose-before-enrolment", ("first-dose", "date"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("dose-before-enrolment")]
    public void a_first_dose_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(Correct("first-dose", "date", Json("2021-03-03"))), "dose-before-enrolment");

    // ---------- before the first dose (shared shape) ----------

    [Theory]
    [Fires("cycle-before-first-dose", "dose-change-before-first-dose", "interruption-before-first-dose")]
    [InlineData("cycle-before-first-dose", "cycle/1", "startDate")]
    [InlineData("dose-change-before-first-dose", "dose-change/DC1", "date")]
    [InlineData("interruption-before-first-dose", "interruption/I1", "date")]
    public void a_dosing_form_dated_the_day_before_the_first_dose_is_refused(string checkId, string form, string field) =>
        Fires(With(Correct(form, field, Json("2021-03-03"))), checkId, (form, field), ("first-dose", "date"));

    [Theory]
    [DoesNotFire("cycle-before-first-dose", "dose-change-before-first-dose", "interruption-before-first-dose")]
    [InlineData("cycle-before-first-dose", "cycle/1", "startDate")]
    [InlineData("dose-change-before-first-dose", "dose-change/DC1", "date")]
    [InlineData("interruption-before-first-dose", "interruption/I1", "date")]
    public void a_dosing_form_dated_the_day_of_the_first_dose_is_accepted(string checkId, string form, string field) =>
        DoesNotFire(With(Correct(form, field, Json("2021-03-04"))), checkId);

    [Theory]
    [Fires("cycle-before-first-dose", "dose-change-before-first-dose", "interruption-before-first-dose", "discontinuation-before-first-dose")]
    [InlineData("cycle-before-first-dose", "cycle/1", "startDate")]
    [InlineData("dose-change-before-first-dose", "dose-change/DC1", "date")]
    [InlineData("interruption-before-first-dose", "interruption/I1", "date")]
    [InlineData("discontinuation-before-first-dose", "discontinuation", "date")]
    public void a_dosing_form_without_a_first_dose_is_refused(string checkId, string form, string field)
    {
        var casebook = Without<FirstDoseGiven>(Discontinued("2021-06-01"));
        Fires(casebook, checkId, (form, field));
        Assert.Contains(Findings(casebook), f => f.CheckId == checkId && f.Message.EndsWith("No first dose is recorded.", StringComparison.Ordinal));
    }

    [Fact, Fires("discontinuation-before-first-dose")]
    public void a_discontinuation_before_the_first_dose_is_refused() =>
        Fires(With(Discontinued("2021-03-03")), "discontinuation-before-first-dose", ("discontinuation", "date"), ("first-dose", "date"));

    [Fact, DoesNotFire("discontinuation-before-first-dose")]
    public void a_discontinuation_on_the_day_of_the_first_dose_is_accepted() =>
        DoesNotFire(With(Discontinued("2021-03-04")), "discontinuation-before-first-dose");

    // ---------- cycles ----------

    [Fact, Fires("cycle-spacing")]
    public void a_cycle_starting_on_day_21_of_the_one_before_is_refused() =>
        Fires(With(new CycleRecorded(4, D("2021-05-05"), 10, 28, 0)), "cycle-spacing", ("cycle/3", "startDate"), ("cycle/4", "startDate"));

    [Fact, DoesNotFire("cycle-spacing")]
    public void a_cycle_starting_on_day_22_of_the_one_before_is_accepted() =>
        DoesNotFire(With(new CycleRecorded(4, D("2021-05-06"), 10, 28, 0)), "cycle-spacing");

    [Fact, Fires("tablets-returned")]
    public void more_tablets_returned_than_dispensed_is_refused() =>
        Fires(With(Correct("cycle/1", "tabletsReturned", "29")), "tablets-returned", ("cycle/1", "tabletsReturned"), ("cycle/1", "tabletsDispensed"));

    [Fact, DoesNotFire("tablets-returned")]
    public void every_tablet_returned_is_accepted() =>
        DoesNotFire(With(Correct("cycle/1", "tabletsReturned", "28")), "tablets-returned");

    // ---------- after the discontinuation (shared shape) ----------

    [Theory]
    [Fires("cycle-after-discontinuation", "dose-change-after-discontinuation", "interruption-after-discontinuation", "resumption-after-discontinuation")]
    [InlineData("cycle-after-discontinuation", "cycle/3", "startDate")]
    [InlineData("dose-change-after-discontinuation", "dose-change/DC1", "date")]
    [InlineData("interruption-after-discontinuation", "interruption/I1", "date")]
    [InlineData("resumption-after-discontinuation", "resumption/I1", "date")]
    public void a_dosing_form_dated_after_the_discontinuation_is_refused(string checkId, string form, string field) =>
        Fires(With(Discontinued("2021-03-31")), checkId, (form, field), ("discontinuation", "date"));

    [Theory]
    [DoesNotFire("cycle-after-discontinuation", "dose-change-after-discontinuation", "interruption-after-discontinuation", "resumption-after-discontinuation")]
    [InlineData("cycle-after-discontinuation", "2021-04-15")]       // cycle 3
    [InlineData("dose-change-after-discontinuation", "2021-04-01")] // DC1
    [InlineData("interruption-after-discontinuation", "2021-04-20")] // I1
    [InlineData("resumption-after-discontinuation", "2021-04-27")]  // resumption of I1
    public void a_dosing_form_dated_on_the_day_of_the_discontinuation_is_accepted(string checkId, string discontinued) =>
        DoesNotFire(With(Discontinued(discontinued)), checkId);

    // ---------- dose changes ----------

    [Fact, Fires("dose-change-from")]
    public void a_dose_change_from_a_dose_no_longer_in_force_is_refused() =>
        Fires(With(new DoseChanged("DC2", D("2021-05-01"), 12, 10, "Hand-foot syndrome", "AE1")), "dose-change-from",
            ("dose-change/DC2", "fromDose"), ("dose-change/DC2", "date"));

    [Fact, Fires("dose-change-from")]
    public void a_dose_change_that_ignores_the_dose_given_at_resumption_is_refused() =>
        Fires(With(Correct("resumption/I1", "dose", "12"), new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null)), "dose-change-from",
            ("dose-change/DC2", "fromDose"));

    [Fact, DoesNotFire("dose-change-from")]
    public void a_dose_change_from_the_dose_in_force_is_accepted() =>
        DoesNotFire(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null)), "dose-change-from");

    [Fact, DoesNotFire("dose-change-from")]
    public void a_second_dose_change_on_the_same_day_starts_from_the_first() =>
        DoesNotFire(With(new DoseChanged("DC2", D("2021-04-01"), 10, 12, "entered in error, back up", null)), "dose-change-from");

    [Fact, Fires("dose-change-same")]
    public void a_dose_change_to_the_same_dose_is_refused() =>
        Fires(With(new DoseChanged("DC2", D("2021-05-01"), 10, 10, "no change", null)), "dose-change-same", ("dose-change/DC2", "toDose"));

    [Fact, DoesNotFire("dose-change-same")]
    public void a_dose_change_to_another_dose_is_accepted() =>
        DoesNotFire(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null)), "dose-change-same");

    [Fact, Fires("dose-change-adverse-event")]
    public void a_dose_change_linked_to_an_unknown_adverse_event_is_refused() =>
        Fires(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", "AE9")), "dose-change-adverse-event", ("dose-change/DC2", "adverseEventId"));

    [Fact, DoesNotFire("dose-change-adverse-event")]
    public void a_dose_change_linked_to_an_adverse_event_of_the_casebook_is_accepted() =>
        DoesNotFire(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", "AE1")), "dose-change-adverse-event");

    [Fact, Fires("dose-reduction-without-ae")]
    public void a_dose_reduction_without_an_adverse_event_is_flagged() =>
        Fires(With(Correct("dose-change/DC1", "adverseEventId", "null")), "dose-reduction-without-ae", ("dose-change/DC1", "adverseEventId"));

    [Fact, DoesNotFire("dose-reduction-without-ae")]
    public void a_dose_escalation_without_an_adverse_event_is_not_flagged() =>
        DoesNotFire(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null)), "dose-reduction-without-ae");

    [Fact]
    public void a_dose_reduction_without_an_adverse_event_is_soft()
    {
        var casebook = With(Correct("dose-change/DC1", "adverseEventId", "null"));
        Assert.DoesNotContain(CasebookCommands.Findings(casebook, SampleCasebook.Study, Today, Severity.Hard), f => f.CheckId == "dose-reduction-without-ae");
        Assert.Contains(CasebookCommands.Findings(casebook, SampleCasebook.Study, Today, Severity.Soft), f => f.CheckId == "dose-reduction-without-ae");
    }

    // ---------- interruptions and resumptions ----------

    [Fact, Fires("interruption-overlap")]
    public void an_interruption_before_the_previous_one_resumed_is_refused() =>
        Fires(With(new DosingInterrupted("I2", D("2021-04-25"), "fatigue", null)), "interruption-overlap", ("interruption/I2", "date"), ("resumption/I1", "date"));

    [Fact, Fires("interruption-overlap")]
    public void an_interruption_while_the_previous_one_never_resumed_is_refused() =>
        Fires(Without<DosingResumed>(new DosingInterrupted("I2", D("2021-05-15"), "fatigue", null)), "interruption-overlap", ("interruption/I2", "date"));

    [Fact, DoesNotFire("interruption-overlap")]
    public void an_interruption_on_the_day_the_previous_one_resumed_is_accepted() =>
        DoesNotFire(With(new DosingInterrupted("I2", D("2021-04-27"), "fatigue", null)), "interruption-overlap");

    [Fact, Fires("interruption-adverse-event")]
    public void an_interruption_linked_to_an_unknown_adverse_event_is_refused() =>
        Fires(With(new DosingInterrupted("I2", D("2021-05-15"), "fatigue", "AE9")), "interruption-adverse-event", ("interruption/I2", "adverseEventId"));

    [Fact, DoesNotFire("interruption-adverse-event")]
    public void an_interruption_linked_to_an_adverse_event_of_the_casebook_is_accepted() =>
        DoesNotFire(With(new DosingInterrupted("I2", D("2021-05-15"), "fatigue", "AE1")), "interruption-adverse-event");

    [Fact, Fires("resumption-before-interruption")]
    public void a_resumption_before_the_interruption_is_refused() =>
        Fires(With(Correct("resumption/I1", "date", Json("2021-04-19"))), "resumption-before-interruption", ("resumption/I1", "date"), ("interruption/I1", "date"));

    [Fact, DoesNotFire("resumption-before-interruption")]
    public void a_resumption_on_the_day_of_the_interruption_is_accepted() =>
        DoesNotFire(With(Correct("resumption/I1", "date", Json("2021-04-20"))), "resumption-before-interruption");

    // ---------- discontinuation ----------

    [Theory, Fires("discontinuation-details")]
    [InlineData(null)]
    [InlineData("  ")]
    public void the_reason_other_without_details_is_refused(string? details) =>
        Fires(With(Discontinued("2021-06-01", DiscontinuationReason.Other, details)), "discontinuation-details", ("discontinuation", "details"), ("discontinuation", "reason"));

    [Fact, DoesNotFire("discontinuation-details")]
    public void the_reason_other_with_details_is_accepted() =>
        DoesNotFire(With(Discontinued("2021-06-01", DiscontinuationReason.Other, "moved abroad")), "discontinuation-details");

    [Fact, DoesNotFire("discontinuation-details")]
    public void a_coded_reason_needs_no_details() =>
        DoesNotFire(With(Discontinued("2021-06-01", DiscontinuationReason.Toxicity)), "discontinuation-details");

    // ---------- baseline lesions ----------

    [Fact, Fires("baseline-window")]
    public void a_baseline_scan_29_days_before_enrolment_is_refused() =>
        Fires(With(Correct("baseline-lesions", "assessmentDate", Json("2021-02-02"))), "baseline-window",
            ("baseline-lesions", "assessmentDate"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("baseline-window")]
    public void a_baseline_scan_28_days_before_enrolment_is_accepted() =>
        DoesNotFire(With(Correct("baseline-lesions", "assessmentDate", Json("2021-02-03"))), "baseline-window");

    [Fact, Fires("baseline-after-first-dose")]
    public void a_baseline_scan_after_the_first_dose_is_refused() =>
        Fires(With(Correct("baseline-lesions", "assessmentDate", Json("2021-03-05"))), "baseline-after-first-dose",
            ("baseline-lesions", "assessmentDate"), ("first-dose", "date"));

    [Fact, DoesNotFire("baseline-after-first-dose")]
    public void a_baseline_scan_on_the_day_of_the_first_dose_is_accepted() =>
        DoesNotFire(With(Correct("baseline-lesions", "assessmentDate", Json("2021-03-04"))), "baseline-after-first-dose");

    [Theory, Fires("recist-baseline")]
    [InlineData("liver:9.9", "targets[0].diameterMm")]                              // below 10 mm
    [InlineData("liver:30,node:14.9", "targets[1].diameterMm")]                     // a node below 15 mm short axis
    [InlineData("liver:30,liver:20,lung:15,lung:12,bone:20,node:20", "targets")]    // six targets
    [InlineData("liver:30,liver:20,liver:15", "targets")]                           // three in one organ
    [InlineData("node:30,node:20,node:15", "targets")]                              // three lymph nodes
    public void a_baseline_that_breaks_recist_is_refused(string targets, string field) =>
        Fires(Replacing(Baseline(targets)), "recist-baseline", ("baseline-lesions", field));

    [Theory, DoesNotFire("recist-baseline")]
    [InlineData("liver:10")]
    [InlineData("node:15")]
    [InlineData("liver:30,liver:20,lung:15,node:20,node:16")]
    [InlineData("liver:30,Liver :20")] // organs compare trimmed and case-blind, two is still the limit
    public void a_baseline_at_the_recist_limits_is_accepted(string targets) =>
        DoesNotFire(Replacing(Baseline(targets)), "recist-baseline");

    [Fact, Fires("lesion-ids-unique")]
    public void a_target_and_a_non_target_with_the_same_id_are_refused() =>
        Fires(Replacing(Baseline("liver:30", new NonTargetLesion("T1", "bone", "sclerotic lesion"))), "lesion-ids-unique", ("baseline-lesions", "targets"));

    [Fact, DoesNotFire("lesion-ids-unique")]
    public void distinct_lesion_ids_are_accepted() =>
        DoesNotFire(Replacing(Baseline("liver:30,lung:20", new NonTargetLesion("N1", "bone", "sclerotic lesion"))), "lesion-ids-unique");

    // ---------- tumour assessments ----------

    [Fact, Fires("assessment-before-enrolment")]
    public void a_scan_the_day_before_enrolment_is_refused() =>
        Fires(With(Correct("tumour-assessment/V1", "date", Json("2021-03-02"))), "assessment-before-enrolment",
            ("tumour-assessment/V1", "date"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("assessment-before-enrolment")]
    public void a_scan_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(Correct("tumour-assessment/V1", "date", Json("2021-03-03"))), "assessment-before-enrolment");

    [Fact, Fires("assessment-without-baseline")]
    public void follow_up_scans_without_a_baseline_are_refused() =>
        Fires(Without<BaselineLesionsRecorded>(), "assessment-without-baseline", ("tumour-assessment/V1", "date"), ("tumour-assessment/V2", "date"));

    [Fact, DoesNotFire("assessment-without-baseline")]
    public void follow_up_scans_after_a_baseline_are_accepted() => DoesNotFire(With(), "assessment-without-baseline");

    [Fact, Fires("assessment-before-baseline")]
    public void a_scan_on_the_day_of_the_baseline_is_refused() =>
        Fires(With(Correct("tumour-assessment/V1", "date", Json("2021-02-25"))), "assessment-before-baseline",
            ("tumour-assessment/V1", "date"), ("baseline-lesions", "assessmentDate"));

    [Fact, DoesNotFire("assessment-before-baseline")]
    public void a_scan_the_day_after_the_baseline_is_accepted() =>
        DoesNotFire(With(Correct("tumour-assessment/V1", "date", Json("2021-02-26"))), "assessment-before-baseline");

    [Theory, Fires("assessment-order")]
    [InlineData("2021-06-06")]
    [InlineData("2021-06-07")]
    public void a_visit_not_later_than_the_one_entered_before_is_refused(string date) =>
        Fires(With(Visit("V3", date, ("T1", 20m))), "assessment-order", ("tumour-assessment/V2", "date"), ("tumour-assessment/V3", "date"));

    [Fact, DoesNotFire("assessment-order")]
    public void a_visit_the_day_after_the_one_before_is_accepted() =>
        DoesNotFire(With(Visit("V3", "2021-06-08", ("T1", 20m))), "assessment-order");

    [Fact, Fires("target-missing")]
    public void a_visit_without_an_entry_for_a_target_is_refused() =>
        Fires(With(Visit("V3", "2021-08-02")), "target-missing", ("tumour-assessment/V3", "targetDiametersMm.T1"));

    [Fact, DoesNotFire("target-missing")]
    public void a_target_entered_as_not_evaluated_is_accepted() =>
        DoesNotFire(With(Visit("V3", "2021-08-02", ("T1", null))), "target-missing");

    [Fact, Fires("target-unknown")]
    public void a_visit_measuring_a_lesion_that_is_not_a_baseline_target_is_refused() =>
        Fires(With(Visit("V3", "2021-08-02", ("T1", 20m), ("N1", 12m))), "target-unknown", ("tumour-assessment/V3", "targetDiametersMm.N1"));

    [Fact, DoesNotFire("target-unknown")]
    public void a_visit_measuring_only_baseline_targets_is_accepted() =>
        DoesNotFire(With(Visit("V3", "2021-08-02", ("T1", 20m))), "target-unknown");

    [Fact, Fires("lesion-growth")]
    public void a_target_80_percent_larger_than_at_the_previous_visit_is_flagged() =>
        Fires(With(Visit("V3", "2021-08-02", ("T1", 36m))), "lesion-growth", ("tumour-assessment/V3", "targetDiametersMm.T1"));

    [Fact, Fires("lesion-growth")]
    public void growth_is_measured_from_the_last_visit_that_evaluated_the_target() =>
        Fires(With(Visit("V3", "2021-08-02", ("T1", null)), Visit("V4", "2021-09-13", ("T1", 36m))), "lesion-growth",
            ("tumour-assessment/V4", "targetDiametersMm.T1"));

    [Fact, DoesNotFire("lesion-growth")]
    public void a_target_just_under_80_percent_larger_is_not_flagged() =>
        DoesNotFire(With(Visit("V3", "2021-08-02", ("T1", 35.9m))), "lesion-growth");

    [Fact]
    public void lesion_growth_is_soft()
    {
        var casebook = With(Visit("V3", "2021-08-02", ("T1", 36m)));
        Assert.DoesNotContain(CasebookCommands.Findings(casebook, SampleCasebook.Study, Today, Severity.Hard), f => f.CheckId == "lesion-growth");
        Assert.Contains(CasebookCommands.Findings(casebook, SampleCasebook.Study, Today, Severity.Soft), f => f.CheckId == "lesion-growth");
    }

    // ---------- adverse events ----------

    [Fact, Fires("ctcae-grade")]
    public void a_grade_the_term_does_not_allow_is_refused() =>
        Fires(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-04-05"), 4)), "ctcae-grade", ("adverse-event/AE1", "gradeChanges[1].grade"));

    [Fact, Fires("ctcae-grade")]
    public void a_term_a_second_study_defines_with_fewer_grades_is_held_to_them() =>
        Fires(With(), StudyWith(d => d with { AdverseEvents = d.AdverseEvents with { Terms = [.. d.AdverseEvents.Terms.Where(t => t.Term != "Hand-foot syndrome"), new AdverseEventTerm("Hand-foot syndrome", "Palmar-plantar erythrodysesthesia syndrome", [1])] } }),
            "ctcae-grade", ("adverse-event/AE1", "gradeChanges[0].grade"));

    [Fact, DoesNotFire("ctcae-grade")]
    public void the_highest_grade_the_term_allows_is_accepted() =>
        DoesNotFire(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-04-05"), 3)), "ctcae-grade");

    [Fact, Fires("ae-before-consent")]
    public void an_adverse_event_starting_before_consent_is_refused() =>
        Fires(With(Correct("adverse-event/AE1", "report.onsetDate", Json("2021-02-28"))), "ae-before-consent",
            ("adverse-event/AE1", "report.onsetDate"), ("enrolment", "consentDate"));

    [Fact, DoesNotFire("ae-before-consent")]
    public void an_adverse_event_starting_on_the_day_of_consent_is_accepted() =>
        DoesNotFire(With(Correct("adverse-event/AE1", "onsetDate", Json("2021-03-01"))), "ae-before-consent");

    [Fact, Fires("ae-grade-change-order")]
    public void a_grade_change_before_the_previous_one_is_refused() =>
        Fires(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-03-27"), 3)), "ae-grade-change-order",
            ("adverse-event/AE1", "gradeChanges[0].date"), ("adverse-event/AE1", "gradeChanges[1].date"));

    [Fact, Fires("ae-grade-change-order")]
    public void a_grade_change_before_the_onset_is_refused() =>
        Fires(With(Correct("adverse-event/AE1", "gradeChanges[0].date", Json("2021-03-19"))), "ae-grade-change-order",
            ("adverse-event/AE1", "report.onsetDate"), ("adverse-event/AE1", "gradeChanges[0].date"));

    [Fact, DoesNotFire("ae-grade-change-order")]
    public void a_grade_change_on_the_day_of_the_previous_one_is_accepted() =>
        DoesNotFire(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-03-28"), 3)), "ae-grade-change-order");

    [Fact, Fires("ae-grade-change-same")]
    public void a_grade_change_to_the_current_grade_is_refused() =>
        Fires(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-04-05"), 2)), "ae-grade-change-same", ("adverse-event/AE1", "gradeChanges[1].grade"));

    [Fact, Fires("ae-grade-change-same")]
    public void a_first_grade_change_to_the_grade_at_onset_is_refused() =>
        Fires(With(Correct("adverse-event/AE1", "gradeChanges[0].grade", "1")), "ae-grade-change-same", ("adverse-event/AE1", "gradeChanges[0].grade"));

    [Fact, DoesNotFire("ae-grade-change-same")]
    public void a_grade_change_back_to_an_earlier_grade_is_accepted() =>
        DoesNotFire(Unresolved(new AdverseEventGradeChanged("AE1", D("2021-04-05"), 1)), "ae-grade-change-same");

    [Fact, Fires("ae-resolution")]
    public void a_resolution_before_a_grade_change_is_refused() =>
        Fires(With(Correct("adverse-event/AE1", "resolutionDate", Json("2021-03-27"))), "ae-resolution",
            ("adverse-event/AE1", "resolutionDate"), ("adverse-event/AE1", "gradeChanges[0].date"));

    [Fact, Fires("ae-resolution")]
    public void a_grade_change_corrected_to_after_the_resolution_is_refused() =>
        Fires(With(Correct("adverse-event/AE1", "gradeChanges[0].date", Json("2021-05-11"))), "ae-resolution",
            ("adverse-event/AE1", "resolutionDate"), ("adverse-event/AE1", "gradeChanges[0].date"));

    [Fact, DoesNotFire("ae-resolution")]
    public void a_resolution_on_the_day_of_the_last_grade_change_is_accepted() =>
        DoesNotFire(With(Correct("adverse-event/AE1", "resolutionDate", Json("2021-03-28"))), "ae-resolution");

    private static readonly object[] FatalAdverseEvent =
    [
        new AdverseEventReported("AE2", "Hypertension", 3, D("2021-09-05"), true, Relation.Possible, ActionTaken.Withdrawn),
        new AdverseEventGradeChanged("AE2", D("2021-09-10"), 5),
    ];

    [Fact, Fires("ae-grade-5-death")]
    public void a_fatal_adverse_event_without_a_death_is_refused() =>
        Fires(With(FatalAdverseEvent), "ae-grade-5-death", ("adverse-event/AE2", "gradeChanges[0].grade"));

    [Fact, Fires("ae-grade-5-death")]
    public void a_fatal_adverse_event_reported_at_grade_5_without_a_death_is_refused() =>
        Fires(With(new AdverseEventReported("AE2", "Hypertension", 5, D("2021-09-05"), true, Relation.Possible, ActionTaken.Withdrawn)),
            "ae-grade-5-death", ("adverse-event/AE2", "report.grade"));

    [Fact, DoesNotFire("ae-grade-5-death")]
    public void a_fatal_adverse_event_with_the_death_recorded_is_accepted() =>
        DoesNotFire(With([.. FatalAdverseEvent, new DeathRecorded(D("2021-09-10"), "hypertensive crisis")]), "ae-grade-5-death");

    [Fact, Fires("after-death"), DoesNotFire("ae-grade-5-death")]
    public void a_death_recorded_before_the_fatal_grade_is_caught_by_after_death_not_by_the_grade_5_check() =>
        Fires(With([.. FatalAdverseEvent, new DeathRecorded(D("2021-09-08"), "hypertensive crisis")]), "after-death",
            ("adverse-event/AE2", "gradeChanges[0].date"), ("death", "date"));

    // ---------- a refusal names the field the correction changed ----------
    // CheckFindings.Pair: a check that reads two fields names both, so the one the user changed is always among them.

    [Fact]
    public void a_term_corrected_to_one_that_does_not_allow_the_grade_is_named() =>
        Fires(With(new AdverseEventReported("AE2", "Hypertension", 4, D("2021-06-01"), false, Relation.Possible, ActionTaken.None),
                new DataPointCorrected("adverse-event/AE2", "report.term", Json("Hypertension"), Json("Fatigue"), "miscoded")),
            "ctcae-grade", ("adverse-event/AE2", "report.term"));

    [Fact]
    public void a_year_of_birth_corrected_against_the_age_is_named() =>
        Fires(With(Correct("demographics", "yearOfBirth", "1960")), "age-year-of-birth", ("demographics", "yearOfBirth"));

    [Fact]
    public void a_dose_change_whose_from_dose_is_corrected_to_the_new_dose_is_named() =>
        Fires(With(new DoseChanged("DC2", D("2021-05-01"), 10, 12, "recovered", null),
                new DataPointCorrected("dose-change/DC2", "fromDose", "10", "12", "typo")),
            "dose-change-same", ("dose-change/DC2", "fromDose"));

    [Fact]
    public void a_grade_at_onset_corrected_to_the_next_grade_is_named() =>
        Fires(With(Correct("adverse-event/AE1", "report.grade", "2")), "ae-grade-change-same", ("adverse-event/AE1", "report.grade"));

    // ---------- survival ----------

    [Fact, Fires("contact-before-enrolment")]
    public void a_contact_before_enrolment_is_refused() =>
        Fires(With(new ContactRecorded(D("2021-03-02"), "clinic visit")), "contact-before-enrolment", ("contact/2", "date"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("contact-before-enrolment")]
    public void a_contact_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(new ContactRecorded(D("2021-03-03"), "clinic visit")), "contact-before-enrolment");

    [Fact, Fires("after-death")]
    public void a_contact_after_the_death_is_refused() =>
        Fires(With(new DeathRecorded(D("2021-08-31"), "disease progression")), "after-death", ("contact/1", "date"), ("death", "date"));

    [Fact, Fires("after-death")]
    public void a_date_on_any_form_after_the_death_is_refused() =>
        Fires(With(new DeathRecorded(D("2021-09-01"), "disease progression"), Correct("adverse-event/AE1", "resolutionDate", Json("2021-09-02"))), "after-death",
            ("adverse-event/AE1", "resolutionDate"), ("death", "date"));

    [Fact, DoesNotFire("after-death")]
    public void a_death_on_the_day_of_the_last_contact_is_accepted() =>
        DoesNotFire(With(new DeathRecorded(D("2021-09-01"), "disease progression")), "after-death");

    [Fact, Fires("lost-after-death")]
    public void a_subject_who_died_and_is_lost_to_follow_up_is_refused() =>
        Fires(With(new LostToFollowUp(D("2021-10-01"), "moved away"), new DeathRecorded(D("2021-11-01"), "unknown")), "lost-after-death",
            ("lost-to-follow-up", "lastKnownAliveDate"), ("death", "date"));

    [Fact, DoesNotFire("lost-after-death")]
    public void a_living_subject_lost_to_follow_up_is_accepted() =>
        DoesNotFire(With(new LostToFollowUp(D("2021-10-01"), "moved away")), "lost-after-death");

    [Fact, Fires("lost-before-enrolment")]
    public void last_known_alive_before_enrolment_is_refused() =>
        Fires(With(new LostToFollowUp(D("2021-03-02"), "moved away")), "lost-before-enrolment",
            ("lost-to-follow-up", "lastKnownAliveDate"), ("enrolment", "enrolmentDate"));

    [Fact, DoesNotFire("lost-before-enrolment")]
    public void last_known_alive_on_the_day_of_enrolment_is_accepted() =>
        DoesNotFire(With(new LostToFollowUp(D("2021-03-03"), "moved away")), "lost-before-enrolment");
}
