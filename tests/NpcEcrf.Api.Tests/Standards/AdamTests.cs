using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Adam;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>ADaM from a hand-made lock snapshot of the reference study: a progressing subject, a censored one, and one never dosed.</summary>
public class AdamTests
{
    private static readonly DateOnly Cutoff = new(2021, 6, 30);
    private static readonly StudyDefinition Definition = TestStudies.Reference;

    private static VisitResponse Visit(string id, DateOnly date, Response overall) =>
        new(id, date, 40m, -30m, 0m, overall, NonTargetStatus.NonCRNonPD, overall == Response.PD, overall);

    private static SubjectSnapshot Subject(string number, DateOnly? firstDose, IReadOnlyList<VisitResponse> visits, DateOnly? death, DateOnly lastKnownAlive,
        bool? liver, IReadOnlyList<AdverseEventSnapshot> adverseEvents, string? discontinuation = null)
    {
        var baseline = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["metastatic-sites.liver"] = liver is null ? null : JsonValue.Create(liver.Value),
            ["prior-therapy.priorSystemicLines"] = JsonValue.Create(2),
            ["disease-status.pattern"] = JsonValue.Create("Metastatic"),
            ["disease-status.diagnosisDate"] = JsonValue.Create("2020-11-02"),
        };
        return new SubjectSnapshot(number, "S1", "ANLOTINIB", "M", 50, 1, baseline, new DateOnly(2021, 1, 1), firstDose, firstDose is null ? null : 12m, 12m, 3, null, [],
            null, discontinuation, visits,
            firstDose is { } fd ? Recist.Best(fd, visits, Definition.Recist).Response : null, null,
            firstDose is { } f1 ? TimeToEvent.Pfs(f1, visits, death, Cutoff) : null,
            firstDose is { } f2 ? TimeToEvent.Os(f2, death, [lastKnownAlive], Cutoff) : null,
            firstDose, adverseEvents, 0, SignatureState.Signed);
    }

    /// <summary>NPC-001 progresses on 2021-05-01 (PR confirmed before); NPC-002 is stable and censored; NPC-003 was enrolled and never dosed.</summary>
    private static readonly CohortSnapshot Snapshot = new("ANLO-NPC", Cutoff, 100, [new Site("S1", "Site 1")],
    [
        Subject("NPC-001", new DateOnly(2021, 1, 4),
            [Visit("V1", new DateOnly(2021, 2, 15), Response.PR), Visit("V2", new DateOnly(2021, 3, 20), Response.PR), Visit("V3", new DateOnly(2021, 5, 1), Response.PD)],
            null, new DateOnly(2021, 6, 1), true,
            [new AdverseEventSnapshot("Hand-foot syndrome", 3, false, new DateOnly(2021, 1, 20)), new AdverseEventSnapshot("Hypertension", 2, true, new DateOnly(2021, 1, 2))], "Progression"),
        Subject("NPC-002", new DateOnly(2021, 2, 1), [Visit("V1", new DateOnly(2021, 3, 15), Response.SD)], null, new DateOnly(2021, 6, 20), false, []),
        Subject("NPC-003", null, [], null, new DateOnly(2021, 1, 1), null, [new AdverseEventSnapshot("Fatigue", 1, false, new DateOnly(2021, 2, 1))]),
    ], 1, Definition);

    private static readonly IReadOnlyList<Dataset> Datasets = Adam.Build(Snapshot, "Anlotinib in NPC");
    private static Dataset Named(string name) => Datasets.Single(d => d.Name == name);

    private static object? Value(Dataset d, Func<IReadOnlyList<object?>, bool> row, string variable) => d.Rows.Single(row)[d.IndexOf(variable)];
    private static Func<IReadOnlyList<object?>, bool> Of(Dataset d, string subject, params (string Variable, object? Value)[] more) =>
        r => (string?)r[d.IndexOf("SUBJID")] == subject && more.All(m => Equals(r[d.IndexOf(m.Variable)], m.Value));

    [Fact]
    public void the_datasets_come_in_order_with_their_variables_in_order_and_one_value_per_variable()
    {
        Assert.Equal(["ADSL", "ADTTE", "ADRS", "ADAE"], Datasets.Select(d => d.Name));
        Assert.Equal(
            ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "ARM", "ARMCD", "TRT01P", "TRT01A", "TRTSDT", "TRTEDT", "ENRLFL", "SAFFL", "EFFFL", "ECOGBL",
             "DSDIAGNO", "DSPATTER", "MSBONE", "MSDISTAN", "MSLIVER", "MSLUNG", "PTPLATIN", "PTPRIORR", "PTPRIORS", "DTHFL", "DTHDT", "DCSREAS"],
            Named("ADSL").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "USUBJID", "SUBJID", "TRT01P", "SAFFL", "EFFFL", "PARAMCD", "PARAM", "AVAL", "AVALU", "STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR"],
            Named("ADTTE").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "USUBJID", "SUBJID", "SAFFL", "EFFFL", "PARAMCD", "PARAM", "AVISIT", "AVALC", "ADT", "ADY"], Named("ADRS").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "USUBJID", "SUBJID", "TRT01A", "SAFFL", "AETERM", "AEDECOD", "AEPTCD", "AEBODSYS", "ATOXGR", "ATOXGRN", "AESER", "TRTEMFL"],
            Named("ADAE").Variables.Select(v => v.Name));
        foreach (var d in Datasets)
        {
            Assert.All(d.Rows, r => Assert.Equal(d.Variables.Count, r.Count));
            Assert.All(d.Variables, v => Assert.True(v.Name.Length <= 8 && v.Label.Length <= 40 && v.Origin is not null, $"{d.Name}.{v.Name}"));
            Assert.All(d.Variables.Where(v => v.Origin == "Derived"), v => Assert.False(string.IsNullOrWhiteSpace(v.Derivation), $"{d.Name}.{v.Name}"));
        }
    }

    [Fact]
    public void baseline_covariates_are_named_from_form_and_item_and_say_where_they_come_from()
    {
        var liver = Adsl.Covariates(Definition).Single(c => c.Key == "metastatic-sites.liver").Variable;
        Assert.Equal("MSLIVER", liver.Name);
        Assert.Equal(VariableType.Text, liver.Type);
        Assert.Equal("NY", liver.CodeList);
        Assert.Contains("metastatic-sites.liver", liver.Derivation);
        var adsl = Named("ADSL");
        Assert.Equal("Y", Value(adsl, Of(adsl, "NPC-001"), "MSLIVER"));
        Assert.Equal("N", Value(adsl, Of(adsl, "NPC-002"), "MSLIVER"));
        Assert.Null(Value(adsl, Of(adsl, "NPC-003"), "MSLIVER"));
        Assert.Equal(2L, Value(adsl, Of(adsl, "NPC-001"), "PTPRIORS"));
        Assert.Equal("Metastatic", Value(adsl, Of(adsl, "NPC-001"), "DSPATTER"));
        Assert.Equal(new DateOnly(2020, 11, 2), Value(adsl, Of(adsl, "NPC-001"), "DSDIAGNO"));
        // A name already taken gets a number: ADSL's own names are taken first.
        Assert.Equal("AGE2", Adsl.Covariates(Definition with
        {
            Forms = [new StudyForm("a", "A", [new ItemGroup("g", "G", [new Item("ge", "Age again", ItemType.Integer)])], Baseline: true)],
        }).Single().Variable.Name);
    }

    [Fact]
    public void every_subject_is_enrolled_and_only_the_dosed_are_in_the_safety_and_efficacy_populations()
    {
        var adsl = Named("ADSL");
        Assert.Equal(["Y", "Y", "Y"], adsl.Rows.Select(r => r[adsl.IndexOf("ENRLFL")]));
        Assert.Equal("Y", Value(adsl, Of(adsl, "NPC-001"), "SAFFL"));
        Assert.Equal("Y", Value(adsl, Of(adsl, "NPC-001"), "EFFFL"));
        Assert.Equal("N", Value(adsl, Of(adsl, "NPC-003"), "SAFFL"));
        Assert.Equal("N", Value(adsl, Of(adsl, "NPC-003"), "EFFFL"));
        Assert.Null(Value(adsl, Of(adsl, "NPC-003"), "TRT01A"));
        Assert.Null(Value(adsl, Of(adsl, "NPC-003"), "TRTSDT"));
        Assert.Equal("Anlotinib monotherapy", Value(adsl, Of(adsl, "NPC-003"), "TRT01P"));
        Assert.Equal("ANLO-NPC-NPC-001", Value(adsl, Of(adsl, "NPC-001"), "USUBJID"));
        Assert.Equal(new DateOnly(2021, 1, 4), Value(adsl, Of(adsl, "NPC-001"), "TRTSDT"));
        Assert.Equal("Progression", Value(adsl, Of(adsl, "NPC-001"), "DCSREAS"));
        // Treated without a post-baseline assessment and alive: safety, not efficacy.
        var unassessed = Snapshot with { Subjects = [Snapshot.Subjects[1] with { Responses = [], Pfs = TimeToEvent.Pfs(new DateOnly(2021, 2, 1), [], null, Cutoff) }] };
        var row = Adsl.Build(unassessed).Rows.Single();
        Assert.Equal(("Y", "N"), (row[adsl.IndexOf("SAFFL")], row[adsl.IndexOf("EFFFL")]));
        // ... unless they died before any assessment.
        var died = unassessed.Subjects[0] with { Pfs = TimeToEvent.Pfs(new DateOnly(2021, 2, 1), [], new DateOnly(2021, 3, 1), Cutoff) };
        Assert.Equal("Y", Adsl.Build(unassessed with { Subjects = [died] }).Rows.Single()[adsl.IndexOf("EFFFL")]);
    }

    [Fact]
    public void adtte_counts_days_from_the_first_dose_plus_one_and_censors_as_the_statistics_doc_says()
    {
        var adtte = Named("ADTTE");
        Assert.DoesNotContain(adtte.Rows, r => (string?)r[adtte.IndexOf("SUBJID")] == "NPC-003");
        // Progression at the assessment of 2021-05-01, first dose 2021-01-04: 117 days later, day 118.
        var progressed = Of(adtte, "NPC-001", ("PARAMCD", "PFS"));
        Assert.Equal(118, Value(adtte, progressed, "AVAL"));
        Assert.Equal(0, Value(adtte, progressed, "CNSR"));
        Assert.Equal(new DateOnly(2021, 5, 1), Value(adtte, progressed, "ADT"));
        Assert.Equal(new DateOnly(2021, 1, 4), Value(adtte, progressed, "STARTDT"));
        Assert.Equal("RS", Value(adtte, progressed, "SRCDOM"));
        Assert.Null(Value(adtte, progressed, "CNSDTDSC"));
        Assert.Equal(118 / 30.4375, Adtte.Months(118));
        // Censored at the last adequate assessment, 2021-03-15, first dose 2021-02-01: day 43.
        var censored = Of(adtte, "NPC-002", ("PARAMCD", "PFS"));
        Assert.Equal(43, Value(adtte, censored, "AVAL"));
        Assert.Equal(1, Value(adtte, censored, "CNSR"));
        Assert.Equal("Last adequate tumour assessment", Value(adtte, censored, "CNSDTDSC"));
        // OS censored at the last date known alive, 2021-06-20: day 140.
        var alive = Of(adtte, "NPC-002", ("PARAMCD", "OS"));
        Assert.Equal((140, 1), (Value(adtte, alive, "AVAL"), Value(adtte, alive, "CNSR")));
        Assert.Equal("DAYS", Value(adtte, alive, "AVALU"));
    }

    [Fact]
    public void adrs_has_each_visit_and_the_snapshots_best_response_dated_by_the_visit_that_established_it()
    {
        var adrs = Named("ADRS");
        Assert.Equal(["PR", "PR", "PD"], adrs.Rows.Where(Of(adrs, "NPC-001", ("PARAMCD", "OVRLRESP"))).Select(r => r[adrs.IndexOf("AVALC")]));
        foreach (var s in Snapshot.Subjects.Where(s => s.BestOverallResponse is not null))
            Assert.Equal(s.BestOverallResponse.ToString(), Value(adrs, Of(adrs, s.SubjectNumber, ("PARAMCD", "BESTRESP")), "AVALC"));
        Assert.Equal(new DateOnly(2021, 2, 15), Value(adrs, Of(adrs, "NPC-001", ("PARAMCD", "BESTRESP")), "ADT"));
        Assert.Equal(43, Value(adrs, Of(adrs, "NPC-001", ("PARAMCD", "BESTRESP")), "ADY"));
        Assert.Equal("SD", Value(adrs, Of(adrs, "NPC-002", ("PARAMCD", "BESTRESP")), "AVALC"));
        Assert.DoesNotContain(adrs.Rows, r => (string?)r[adrs.IndexOf("SUBJID")] == "NPC-003");
    }

    [Fact]
    public void adae_has_one_record_per_subject_and_term_at_its_worst_grade()
    {
        var adae = Named("ADAE");
        Assert.Equal(3, adae.Rows.Count);
        var handFoot = Of(adae, "NPC-001", ("AETERM", "Hand-foot syndrome"));
        Assert.Equal(("3", 3), (Value(adae, handFoot, "ATOXGR"), Value(adae, handFoot, "ATOXGRN")));
        Assert.Equal("Palmar-plantar erythrodysesthesia syndrome", Value(adae, handFoot, "AEDECOD"));
        Assert.Equal(10054524L, Value(adae, handFoot, "AEPTCD"));
        Assert.Equal(("N", "Y"), (Value(adae, handFoot, "AESER"), Value(adae, handFoot, "TRTEMFL")));
        // Hypertension began two days before the first dose: not treatment-emergent.
        Assert.Equal(("Y", null), (Value(adae, Of(adae, "NPC-001", ("AETERM", "Hypertension")), "AESER"), Value(adae, Of(adae, "NPC-001", ("AETERM", "Hypertension")), "TRTEMFL")));
        var untreated = Of(adae, "NPC-003", ("AETERM", "Fatigue"));
        Assert.Equal(("N", null), (Value(adae, untreated, "SAFFL"), Value(adae, untreated, "TRTEMFL")));
    }
}
