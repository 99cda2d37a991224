using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Standards;
using NpcEcrf.Api.Standards.Sdtm;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using NpcEcrf.Api.Tests.Casebooks;
using static NpcEcrf.Api.Tests.Casebooks.SampleCasebook;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>SDTM from the sample casebook (no database): subject 001 of the reference study, dosed from 2021-03-04, one adverse event, two scans.</summary>
public class SdtmTests
{
    private static readonly DateOnly Cutoff = D("2022-01-01");
    private static StudyDefinition Definition => SampleCasebook.Study.Latest.Definition;

    private static IReadOnlyList<Dataset> Build(Casebook casebook, DateOnly? cutoff = null, Api.Studies.Study? study = null)
    {
        var s = study ?? SampleCasebook.Study;
        return Sdtm.Build(s, s.Latest.Definition, [casebook], cutoff ?? Cutoff);
    }

    private static Dataset Named(IReadOnlyList<Dataset> datasets, string name) => datasets.Single(d => d.Name == name);

    private static List<Dictionary<string, object?>> Rows(IReadOnlyList<Dataset> datasets, string name)
    {
        var d = Named(datasets, name);
        return d.Rows.Select(r => d.Variables.Select((v, i) => (v.Name, r[i])).ToDictionary(x => x.Name, x => x.Item2)).ToList();
    }

    [Fact]
    public void every_domain_has_its_variables_in_ig_order_with_define_metadata()
    {
        var datasets = Build(With());
        Assert.Equal(["DM", "SUPPDM", "DS", "EX", "AE", "TU", "TR", "RS", "SS", "MH"], datasets.Select(d => d.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC", "RFXENDTC", "RFICDTC", "RFPENDTC", "DTHDTC", "DTHFL", "SITEID",
            "AGE", "AGEU", "SEX", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "ARMNRS"], Named(datasets, "DM").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AESPID", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEBODSYS", "AESER", "AEACN", "AEREL",
            "AEOUT", "AETOXGR", "EPOCH", "AESTDTC", "AEENDTC"], Named(datasets, "AE").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE", "EXADJ", "VISITNUM", "VISIT", "EPOCH", "EXSTDTC", "EXENDTC"],
            Named(datasets, "EX").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "DSSCAT", "EPOCH", "DSSTDTC"], Named(datasets, "DS").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "TUSEQ", "TULNKID", "TUTESTCD", "TUTEST", "TUORRES", "TUSTRESC", "TULOC", "TUMETHOD", "TUEVAL", "VISITNUM", "VISIT", "EPOCH", "TUDTC"],
            Named(datasets, "TU").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "RSSEQ", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "RSSTRESC", "RSEVAL", "VISITNUM", "VISIT", "EPOCH", "RSDTC"],
            Named(datasets, "RS").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "DOMAIN", "USUBJID", "SSSEQ", "SSTESTCD", "SSTEST", "SSORRES", "SSSTRESC", "EPOCH", "SSDTC"], Named(datasets, "SS").Variables.Select(v => v.Name));
        Assert.Equal(["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"], Named(datasets, "SUPPDM").Variables.Select(v => v.Name));
        Assert.Equal("SEX", Named(datasets, "DM").Variables.Single(v => v.Name == "SEX").CodeList);
        Assert.Equal("OUT", Named(datasets, "AE").Variables.Single(v => v.Name == "AEOUT").CodeList);
        foreach (var d in datasets)
        {
            Assert.All(d.Rows, r => Assert.Equal(d.Variables.Count, r.Count));
            Assert.Contains(d.Variables, v => v is { Name: "USUBJID", Key: true });
            Assert.All(d.Variables, v => Assert.True(v.Name.Length <= 8 && v.Label.Length <= 40 && v.Origin is "Collected" or "Derived" or "Assigned", $"{d.Name}.{v.Name}"));
            Assert.All(d.Variables.Where(v => v.Origin == "Derived"), v => Assert.False(string.IsNullOrWhiteSpace(v.Derivation), $"{d.Name}.{v.Name}"));
            if (d.Name != "SUPPDM") Assert.All(d.Rows, r => Assert.Equal(d.Name, r[d.IndexOf("DOMAIN")]));
            var seq = d.IndexOf(d.Name + "SEQ");
            if (seq >= 0) Assert.Equal(Enumerable.Range(1, d.Rows.Count).Cast<object?>(), d.Rows.Select(r => r[seq]));
        }
    }

    [Fact]
    public void dm_identifies_the_subject_and_dates_the_reference_period()
    {
        var dm = Assert.Single(Rows(Build(With()), "DM"));
        Assert.Equal("ANLO-NPC-001", dm["USUBJID"]);
        Assert.Equal("001", dm["SUBJID"]);
        Assert.Equal("2021-03-04", dm["RFSTDTC"]);
        Assert.Equal("2021-04-28", dm["RFXENDTC"]); // cycle 3 from 2021-04-15, 14 days on
        Assert.Equal("2021-03-01", dm["RFICDTC"]);
        Assert.Equal("2021-09-01", dm["RFPENDTC"]);
        Assert.Equal("F", dm["SEX"]);
        Assert.Equal(50, dm["AGE"]);
        Assert.Equal("YEARS", dm["AGEU"]);
        Assert.Equal("ANLOTINIB", dm["ACTARMCD"]);
        Assert.Equal(Definition.Arm("ANLOTINIB")!.Name, dm["ARM"]);
        Assert.Null(dm["DTHFL"]);
        Assert.Null(dm["ARMNRS"]);
    }

    [Fact]
    public void a_death_sets_dthfl_and_is_a_disposition_and_a_survival_status_unless_after_the_cutoff()
    {
        var died = With(new DeathRecorded(D("2021-10-01"), "disease progression"));
        var datasets = Build(died);
        var dm = Assert.Single(Rows(datasets, "DM"));
        Assert.Equal("Y", dm["DTHFL"]);
        Assert.Equal("2021-10-01", dm["DTHDTC"]);
        Assert.Contains(Rows(datasets, "DS"), r => (string?)r["DSDECOD"] == "DEATH" && (string?)r["DSSTDTC"] == "2021-10-01");
        Assert.Equal(["ALIVE", "DEAD"], Rows(datasets, "SS").Select(r => r["SSORRES"]));

        var before = Build(died, D("2021-09-30"));
        Assert.Null(Assert.Single(Rows(before, "DM"))["DTHFL"]);
        Assert.DoesNotContain(Rows(before, "DS"), r => (string?)r["DSDECOD"] == "DEATH");
    }

    [Fact]
    public void a_subject_never_dosed_has_no_actual_arm_and_the_ig_reason()
    {
        var dm = Assert.Single(Rows(Build(With(), D("2021-03-03")), "DM"));
        Assert.Null(dm["ACTARMCD"]);
        Assert.Null(dm["RFSTDTC"]);
        Assert.Equal("ASSIGNED, NOT TREATED", dm["ARMNRS"]);
        Assert.Equal("ANLOTINIB", dm["ARMCD"]);
    }

    [Fact]
    public void ex_has_one_record_per_period_at_one_dose_in_the_study_unit()
    {
        var ex = Rows(Build(With()), "EX");
        Assert.Equal(
            [("2021-03-04", "2021-03-17", 12m), ("2021-03-25", "2021-03-31", 12m), ("2021-04-01", "2021-04-07", 10m), ("2021-04-15", "2021-04-19", 10m), ("2021-04-27", "2021-04-28", 10m)],
            ex.Select(r => ((string)r["EXSTDTC"]!, (string)r["EXENDTC"]!, (decimal)r["EXDOSE"]!)));
        Assert.All(ex, r => Assert.Equal(Definition.Treatment.DoseUnit, r["EXDOSU"]));
        Assert.All(ex, r => Assert.Equal("ORAL", r["EXROUTE"]));
        Assert.Equal("Hand-foot syndrome grade 2", ex[2]["EXADJ"]);
        Assert.Equal(["CYCLE 1", "CYCLE 2", "CYCLE 2", "CYCLE 3", "CYCLE 3"], ex.Select(r => r["VISIT"]));
    }

    [Fact]
    public void ae_takes_the_worst_grade_the_ctcae_and_meddra_coding_and_cdisc_terms()
    {
        var ae = Assert.Single(Rows(Build(With()), "AE"));
        var term = Definition.Term("Hand-foot syndrome")!;
        Assert.Equal("Hand-foot syndrome", ae["AETERM"]);
        Assert.Equal(term.CtcaeTerm, ae["AEDECOD"]);
        Assert.Equal(long.Parse(term.MeddraCode!), ae["AEPTCD"]);
        Assert.Equal(term.Soc, ae["AEBODSYS"]);
        Assert.Equal("2", ae["AETOXGR"]);
        Assert.Equal("PROBABLY RELATED", ae["AEREL"]);
        Assert.Equal("DOSE REDUCED", ae["AEACN"]);
        Assert.Equal("N", ae["AESER"]);
        Assert.Equal("RECOVERED/RESOLVED", ae["AEOUT"]);
        Assert.Equal("2021-05-10", ae["AEENDTC"]);
        Assert.Equal("TREATMENT", ae["EPOCH"]);

        var atCutoff = Assert.Single(Rows(Build(With(), D("2021-03-27")), "AE"));
        Assert.Equal("1", atCutoff["AETOXGR"]);
        Assert.Equal("NOT RECOVERED/NOT RESOLVED", atCutoff["AEOUT"]);
        Assert.Null(atCutoff["AEENDTC"]);

        var fatal = Assert.Single(Rows(Build(With(new Api.AdverseEvents.AdverseEventGradeChanged("AE1", D("2021-05-01"), 5), new DeathRecorded(D("2021-05-02"), "toxicity"))), "AE"));
        Assert.Equal("FATAL", fatal["AEOUT"]);
    }

    [Theory]
    [InlineData(Api.AdverseEvents.Relation.NotRelated, "NOT RELATED")]
    [InlineData(Api.AdverseEvents.Relation.Unlikely, "UNLIKELY RELATED")]
    [InlineData(Api.AdverseEvents.Relation.Possible, "POSSIBLY RELATED")]
    [InlineData(Api.AdverseEvents.Relation.Probable, "PROBABLY RELATED")]
    [InlineData(Api.AdverseEvents.Relation.Definite, "RELATED")]
    public void aerel_takes_the_cdisc_causality_terms(Api.AdverseEvents.Relation relation, string expected)
    {
        var casebook = Replacing(new Api.AdverseEvents.AdverseEventReported("AE1", "Hand-foot syndrome", 1, D("2021-03-20"), false, relation, Api.AdverseEvents.ActionTaken.None));
        var ae = Assert.Single(Rows(Build(casebook), "AE"));
        Assert.Equal(expected, ae["AEREL"]);
        Assert.Equal("DOSE NOT CHANGED", ae["AEACN"]);
    }

    [Fact]
    public void tumours_are_identified_measured_summed_and_responses_are_the_casebooks_derived_ones()
    {
        var casebook = With();
        var datasets = Build(casebook);
        var tu = Rows(datasets, "TU");
        Assert.Equal([("T1", "TARGET", "LIVER"), ("N1", "NON-TARGET", "BONE")], tu.OrderByDescending(r => (string)r["TUORRES"]!).Select(r => ((string)r["TULNKID"]!, (string)r["TUORRES"]!, (string)r["TULOC"]!)));
        Assert.All(tu, r => Assert.Equal("TUMIDENT", r["TUTESTCD"]));

        var sums = Rows(datasets, "TR").Where(r => (string?)r["TRTESTCD"] == "SUMDIAM").ToList();
        Assert.Equal([("BASELINE", 30m), ("V1", 24m), ("V2", 20m)], sums.Select(r => ((string)r["VISIT"]!, (decimal)r["TRSTRESN"]!)));
        Assert.Equal(3, Rows(datasets, "TR").Count(r => (string?)r["TRTESTCD"] == "LDIAM" && (string?)r["TRORRESU"] == "mm"));

        var rs = Rows(datasets, "RS");
        foreach (var visit in casebook.Responses)
        {
            Assert.Equal(visit.Overall.ToString(), rs.Single(r => (string?)r["RSTESTCD"] == "OVRLRESP" && (string?)r["VISIT"] == visit.AssessmentId)["RSORRES"]);
            Assert.Equal(visit.Target.ToString(), rs.Single(r => (string?)r["RSTESTCD"] == "TRGRESP" && (string?)r["VISIT"] == visit.AssessmentId)["RSORRES"]);
            Assert.Equal("NON-CR/NON-PD", rs.Single(r => (string?)r["RSTESTCD"] == "NTRGRESP" && (string?)r["VISIT"] == visit.AssessmentId)["RSORRES"]);
        }
        Assert.Equal(["SD", "PR"], rs.Where(r => (string?)r["RSTESTCD"] == "OVRLRESP").Select(r => r["RSORRES"]));
        Assert.Equal(casebook.BestOverallResponse(Definition.Recist)!.Response.ToString(), rs.Single(r => (string?)r["RSTESTCD"] == "BESTRESP")["RSORRES"]);
    }

    [Fact]
    public void nothing_dated_after_the_cutoff_appears()
    {
        var cutoff = D("2021-04-10");
        var datasets = Build(With(new DeathRecorded(D("2021-10-01"), "progression")), cutoff);
        foreach (var d in datasets)
            foreach (var v in d.Variables.Where(v => v.Name.EndsWith("DTC", StringComparison.Ordinal)))
                Assert.All(d.Rows, r => Assert.True(r[d.IndexOf(v.Name)] is not string iso || DateOnly.Parse(iso) <= cutoff || v.Name is "EXENDTC" or "RFXENDTC" or "RFENDTC",
                    $"{d.Name}.{v.Name} = {r[d.IndexOf(v.Name)]}"));
        Assert.Equal(["2021-03-04", "2021-03-25", "2021-04-01"], Rows(datasets, "EX").Select(r => r["EXSTDTC"]));
        Assert.Equal(["BESTRESP"], Rows(datasets, "RS").Select(r => r["RSTESTCD"])); // no scan yet: only the best response so far
        Assert.Empty(Rows(datasets, "SS"));
        Assert.Single(Rows(datasets, "TR"), r => (string?)r["TRTESTCD"] == "SUMDIAM");
        Assert.Empty(Build(With(), D("2021-03-02")).Where(d => d.Name != "MH" && d.Name != "SUPPDM").SelectMany(d => d.Rows));
    }

    [Fact]
    public void baseline_items_no_domain_takes_go_to_suppdm_and_the_mh_form_to_mh()
    {
        var datasets = Build(With());
        var supp = Rows(datasets, "SUPPDM");
        Assert.Equal("Y", supp.Single(r => (string?)r["QNAM"] == "MSLIVER")["QVAL"]);
        Assert.Equal("N", supp.Single(r => (string?)r["QNAM"] == "MSLUNG")["QVAL"]);
        Assert.Equal("1", supp.Single(r => (string?)r["QNAM"] == "PTPRIORS")["QVAL"]);
        Assert.DoesNotContain(supp, r => ((string)r["QNAM"]!).StartsWith("DS", StringComparison.Ordinal)); // disease-status is MH's
        var mh = Assert.Single(Rows(datasets, "MH"));
        Assert.Equal("Locoregionally recurrent", mh["MHTERM"]);
        Assert.Equal("2019-11-20", mh["MHSTDTC"]);
    }

    [Fact]
    public void a_study_form_with_domain_lb_becomes_lb_records_with_units_ranges_and_dates()
    {
        var labs = new StudyForm("labs", "Laboratory", [new ItemGroup("LAB", "Laboratory",
        [
            new Item("sampleDate", "Date of sample", ItemType.Date),
            new Item("haemoglobin", "Haemoglobin", ItemType.Float, Unit: "g/dL", Soft: new RangeCheck(12, 16)),
            new Item("alt", "Alanine aminotransferase", ItemType.Float, Unit: "U/L", Soft: new RangeCheck(0, 40)),
        ])], Repeating: true, Domain: "LB");
        var study = StudyWith(d => d with { Forms = [.. d.StudyForms, labs] });
        var casebook = With(
            new StudyFormEntered("labs", "W1", new JsonObject { ["sampleDate"] = "2021-03-10", ["haemoglobin"] = 10.5m, ["alt"] = 22 }),
            new StudyFormEntered("labs", "W3", new JsonObject { ["sampleDate"] = "2021-03-24", ["haemoglobin"] = 12.1m, ["alt"] = null }),
            new StudyFormEntered("labs", "W9", new JsonObject { ["sampleDate"] = "2022-02-01", ["haemoglobin"] = 13m, ["alt"] = 90 }));
        var lb = Rows(Build(casebook, study: study), "LB");
        Assert.Equal([("ALT", "2021-03-10", "22", "NORMAL"), ("HAEMOGLO", "2021-03-10", "10.5", "LOW"), ("HAEMOGLO", "2021-03-24", "12.1", "NORMAL")],
            lb.Select(r => ((string)r["LBTESTCD"]!, (string)r["LBDTC"]!, (string)r["LBORRES"]!, (string?)r["LBNRIND"])));
        Assert.Equal("g/dL", lb[1]["LBORRESU"]);
        Assert.Equal(10.5m, lb[1]["LBSTRESN"]);
        Assert.Equal("W1", lb[1]["VISIT"]);
        Assert.Equal("TREATMENT", lb[1]["EPOCH"]);
        Assert.Equal([1, 2, 3], lb.Select(r => r["LBSEQ"]));
    }
}
