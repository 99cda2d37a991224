using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using static NpcEcrf.Api.Tests.Casebooks.SampleCasebook;

namespace NpcEcrf.Api.Tests.Casebooks;

/// <summary>The one evolve function, without a database: what each kind of event does to the casebook.</summary>
public class CasebookEvolutionTests
{
    private static JsonNode? Node(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), CasebookJson.Options);

    private static Dictionary<string, JsonNode?> FormsAsJson(Casebook casebook) =>
        casebook.Forms.ToDictionary(f => f.Form.ToString(), f => Node(f.Value));

    // ---------- one evolve ----------

    [Fact]
    public void applying_the_events_one_at_a_time_gives_the_casebook()
    {
        var events = Events();
        Casebook? casebook = null;
        for (var i = 0; i < events.Count; i++)
        {
            casebook = CasebookEvolution.Evolve(casebook, Id, events[i], new EventMeta(i + 1, User, Now));
            Assert.NotNull(casebook);
        }
        Assert.Equal(Serialized(With()), Serialized(casebook!));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(19)]
    public void a_casebook_continued_from_a_casebook_equals_one_built_at_once(int first)
    {
        var events = Events();
        var before = CasebookEvolution.After(null, Id, events.Take(first), User, Now);
        var continued = CasebookEvolution.After(before, Id, events.Skip(first), User, Now);
        Assert.Equal(Serialized(With()), Serialized(continued));
    }

    [Fact]
    public void the_casebook_before_a_change_is_left_untouched()
    {
        var before = With();
        var snapshot = Serialized(before);
        var after = CasebookEvolution.After(before, Id,
            [new ContactRecorded(D("2021-10-01"), "telephone"), Correct("cycle/1", "tabletsReturned", "1"), new EditCheckFlagged("x", "cycle/1", "dose", "m")], User, Now);
        Assert.Equal(snapshot, Serialized(before));
        Assert.Equal(before.Version + 3, after.Version);
    }

    [Fact]
    public void a_casebook_starts_with_its_enrolment()
    {
        Assert.Null(CasebookEvolution.Evolve(null, Id, new ContactRecorded(D("2021-10-01"), "telephone"), new EventMeta(1, User, Now)));
        Assert.Throws<InvalidOperationException>(() => CasebookEvolution.After(null, Id, [new ContactRecorded(D("2021-10-01"), "telephone")], User, Now));
    }

    [Fact]
    public void the_enrolment_names_the_subject()
    {
        var casebook = With();
        Assert.Equal(Id, casebook.Id);
        Assert.Equal(("ANLO-NPC", "S1", "001"), (casebook.StudyId, casebook.SiteId, casebook.SubjectNumber));
        Assert.Equal((20L, 20L, 1L), (casebook.Version, casebook.LastDataVersion, casebook.IdentityVersion));
    }

    // ---------- corrections ----------

    [Fact]
    public void a_correction_replaces_exactly_one_value_and_keeps_the_old_and_new_values_and_the_reason()
    {
        var before = With();
        var after = CasebookEvolution.After(before, Id, [Correct("cycle/2", "tabletsReturned", "3", "pharmacy count was 3")], "monitor", Now.AddHours(1));

        var old = FormsAsJson(before);
        var now = FormsAsJson(after);
        Assert.Equal(old.Keys.Order(), now.Keys.Order());
        Assert.Equal(["cycle/2"], old.Keys.Where(k => !JsonNode.DeepEquals(old[k], now[k])));
        var changed = old["cycle/2"]!.AsObject().Select(p => p.Key).Where(k => !JsonNode.DeepEquals(old["cycle/2"]![k], now["cycle/2"]![k]));
        Assert.Equal(["tabletsReturned"], changed);
        Assert.Equal(new CycleRecorded(2, D("2021-03-25"), 12, 28, 3), after.Entry(new FormRef("cycle", "2"))!.Value);

        var correction = Assert.Single(after.Corrections);
        Assert.Equal(new CorrectionEntry("cycle/2", "tabletsReturned", "2", "3", "pharmacy count was 3", 21, "monitor", Now.AddHours(1)), correction);
    }

    [Fact]
    public void a_correction_inside_a_list_replaces_only_that_element_value()
    {
        var after = With(Correct("adverse-event/AE1", "gradeChanges[0].grade", "3"));
        var ae = Assert.IsType<AdverseEventEntry>(after.Entry(new FormRef("adverse-event", "AE1"))!.Value);
        Assert.Equal(new AdverseEventGradeChanged("AE1", D("2021-03-28"), 3), Assert.Single(ae.GradeChanges));
        Assert.Equal(With().AdverseEvent("AE1")!.Report, ae.Report);
        Assert.Equal(D("2021-05-10"), ae.ResolutionDate);
    }

    [Fact]
    public void a_correction_by_the_short_field_name_of_an_adverse_event_reaches_the_report()
    {
        var correction = Correct("adverse-event/AE1", "grade", "2");
        Assert.Equal("report.grade", correction.Field);
        Assert.Equal(2, With(correction).AdverseEvent("AE1")!.Report.Grade);
    }

    [Fact]
    public void corrections_of_the_same_value_are_all_kept_in_order_and_the_last_one_stands()
    {
        var after = With(
            new DataPointCorrected("ecog", "score", "1", "2", "first look"),
            new DataPointCorrected("ecog", "score", "2", "0", "second look"));
        Assert.Equal(0, after.Ecog!.Score);
        Assert.Equal([("1", "2", "first look", 21L), ("2", "0", "second look", 22L)],
            after.Corrections.Select(c => (c.OldValue, c.NewValue, c.Reason, c.Version)));
    }

    // ---------- adverse events ----------

    [Fact]
    public void a_grade_change_and_a_resolution_land_on_the_adverse_event_form()
    {
        var casebook = With();
        var entry = Assert.Single(casebook.Forms, f => f.Form.Name == "adverse-event");
        Assert.Equal(new FormRef("adverse-event", "AE1"), entry.Form);
        var ae = Assert.IsType<AdverseEventEntry>(entry.Value);
        Assert.Equal(new AdverseEventReported("AE1", "Hand-foot syndrome", 1, D("2021-03-20"), false, Relation.Probable, ActionTaken.DoseReduced), ae.Report);
        Assert.Equal(new AdverseEventGradeChanged("AE1", D("2021-03-28"), 2), Assert.Single(ae.GradeChanges));
        Assert.Equal(D("2021-05-10"), ae.ResolutionDate);
        Assert.Equal((2, 2), (ae.CurrentGrade, ae.WorstGrade));
        Assert.Equal(18, entry.Version);
    }

    [Fact]
    public void grade_changes_land_on_their_own_adverse_event()
    {
        var casebook = Without<AdverseEventResolved>(
            new AdverseEventReported("AE2", "Fatigue", 1, D("2021-04-02"), false, Relation.Possible, ActionTaken.None),
            new AdverseEventGradeChanged("AE1", D("2021-04-03"), 1),
            new AdverseEventGradeChanged("AE2", D("2021-04-04"), 2));
        Assert.Equal([2, 1], casebook.AdverseEvent("AE1")!.GradeChanges.Select(g => g.Grade));
        Assert.Equal([2], casebook.AdverseEvent("AE2")!.GradeChanges.Select(g => g.Grade));
        Assert.Equal((1, 2), (casebook.AdverseEvent("AE1")!.CurrentGrade, casebook.AdverseEvent("AE1")!.WorstGrade));
        Assert.Null(casebook.AdverseEvent("AE1")!.ResolutionDate);
    }

    // ---------- Clone ----------

    [Fact]
    public void Clone_gives_an_equal_but_independent_casebook()
    {
        var original = With(
            Correct("cycle/1", "tabletsReturned", "1"),
            new EditCheckFlagged("dose-reduction-without-ae", "dose-change/DC1", "adverseEventId", "confirm"),
            new SourceDataVerified("cycle/1", null),
            new CasebookSigned("investigator", "Dr Li", "I approve", 23, Now));
        var snapshot = Serialized(original);

        var clone = original.Clone();

        Assert.NotSame(original, clone);
        Assert.Equal(snapshot, Serialized(clone));
        Assert.Equal(original.Forms.Select(f => (f.Form, f.Value.GetType(), f.Version)), clone.Forms.Select(f => (f.Form, f.Value.GetType(), f.Version)));
        Assert.All(original.Forms.Zip(clone.Forms), p => Assert.NotSame(p.First.Value, p.Second.Value));
        Assert.Equal([1, 1, 1, 1], new[] { clone.Corrections.Count, clone.Flags.Count, clone.Verifications.Count, clone.Signatures.Count });

        clone.Baseline!.Targets[0] = new TargetLesion("T1", "lung", false, 99m);
        ((System.Text.Json.Nodes.JsonObject)clone.Entry(new FormRef("metastatic-sites"))!.Value)["other"]![0]!["site"] = "brain";
        clone.Forms.RemoveAt(clone.Forms.Count - 1);
        clone.Corrections.Clear();
        clone.Flags.Clear();
        clone.Verifications.Clear();
        clone.Signatures.Clear();
        clone.Version = 99;
        CasebookEvolution.Evolve(clone, Id, new ContactRecorded(D("2021-10-01"), "telephone"), new EventMeta(100, User, Now));

        Assert.Equal(snapshot, Serialized(original));
    }

    // ---------- versions ----------

    /// <summary>The form instance an event fills, written out by hand (independent of the catalogue's bindings).</summary>
    private static string? FormOf(object e, ref int contacts) => e switch
    {
        SubjectEnrolled => "enrolment",
        DemographicsRecorded => "demographics",
        EcogRecorded => "ecog",
        NpcEcrf.Api.StudyForms.StudyFormEntered s => s.Form,
        BaselineLesionsRecorded => "baseline-lesions",
        FirstDoseGiven => "first-dose",
        CycleRecorded c => $"cycle/{c.CycleNumber}",
        DoseChanged d => $"dose-change/{d.ChangeId}",
        DosingInterrupted i => $"interruption/{i.InterruptionId}",
        DosingResumed r => $"resumption/{r.InterruptionId}",
        TreatmentDiscontinued => "discontinuation",
        AdverseEventReported a => $"adverse-event/{a.AdverseEventId}",
        AdverseEventGradeChanged g => $"adverse-event/{g.AdverseEventId}",
        AdverseEventResolved r => $"adverse-event/{r.AdverseEventId}",
        TumourAssessed t => $"tumour-assessment/{t.AssessmentId}",
        ContactRecorded => $"contact/{++contacts}",
        DeathRecorded => "death",
        LostToFollowUp => "lost-to-follow-up",
        DataPointCorrected c => c.Form,
        _ => null,
    };

    [Fact]
    public void form_versions_are_those_of_the_last_event_that_touched_each_form()
    {
        List<object> events =
        [
            .. Events(),
            new ContactRecorded(D("2021-10-01"), "telephone"),
            new EditCheckFlagged("x", "cycle/1", "dose", "m"),
            Correct("cycle/1", "tabletsReturned", "1"),
            new SourceDataVerified("ecog", "score"),
            new AdverseEventReported("AE2", "Fatigue", 1, D("2021-10-02"), false, Relation.Possible, ActionTaken.None),
        ];
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var contacts = 0;
        for (var i = 0; i < events.Count; i++)
            if (FormOf(events[i], ref contacts) is { } form) expected[form] = i + 1;

        var casebook = Build(events);

        Assert.Equal(expected, new SortedDictionary<string, long>(casebook.Forms.ToDictionary(f => f.Form.ToString(), f => f.Version), StringComparer.Ordinal));
        Assert.Equal(23, casebook.Entry(new FormRef("cycle", "1"))!.Version);
        Assert.Equal(events.Count, casebook.Version);
        Assert.Equal(events.Count, casebook.LastDataVersion);
    }

    [Fact]
    public void review_events_move_the_casebook_version_but_no_form_version()
    {
        var before = With();
        var after = CasebookEvolution.After(before, Id,
            [new EditCheckFlagged("x", "cycle/1", "dose", "m"), new SourceDataVerified("ecog", null), new CasebookSigned("investigator", "Dr Li", "I approve", 22, Now)], User, Now);
        Assert.Equal(23, after.Version);
        Assert.Equal(20, after.LastDataVersion);
        Assert.Equal(before.Forms.Select(f => (f.Form, f.Version)), after.Forms.Select(f => (f.Form, f.Version)));
    }

    [Fact]
    public void a_correction_of_the_enrolment_moves_the_identity_version()
    {
        Assert.Equal(1, With(Correct("ecog", "score", "2")).IdentityVersion);
        Assert.Equal(21, With(Correct("enrolment", "consentDate", Json("2021-03-02"))).IdentityVersion);
    }

    // ---------- contacts ----------

    [Fact]
    public void contacts_are_keyed_contact_1_contact_2_in_entry_order()
    {
        var casebook = With(new ContactRecorded(D("2021-12-01"), "telephone"), new ContactRecorded(D("2021-10-01"), "clinic visit"));
        Assert.Equal(
            [("contact/1", D("2021-09-01")), ("contact/2", D("2021-12-01")), ("contact/3", D("2021-10-01"))],
            casebook.Instances<ContactRecorded>().Select(c => (c.Form.ToString(), c.Value.Date)));
    }

    [Fact]
    public void a_corrected_contact_keeps_its_key_and_the_next_contact_takes_the_next_one()
    {
        var casebook = With(Correct("contact/1", "date", Json("2021-08-30")), new ContactRecorded(D("2021-10-01"), "telephone"));
        Assert.Equal(
            [("contact/1", D("2021-08-30")), ("contact/2", D("2021-10-01"))],
            casebook.Instances<ContactRecorded>().Select(c => (c.Form.ToString(), c.Value.Date)));
    }
}
