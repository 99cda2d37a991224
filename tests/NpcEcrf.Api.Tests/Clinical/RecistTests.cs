using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Tests.Clinical;

/// <summary>RECIST 1.1 as pure functions: every row of the overall-response table and every best-response rule.</summary>
public class RecistTests
{
    [Theory]
    [InlineData(Response.CR, NonTargetStatus.CR, false, Response.CR)]
    [InlineData(Response.CR, NonTargetStatus.NonCRNonPD, false, Response.PR)]
    [InlineData(Response.CR, NonTargetStatus.NE, false, Response.PR)]
    [InlineData(Response.PR, NonTargetStatus.NonCRNonPD, false, Response.PR)]
    [InlineData(Response.PR, NonTargetStatus.NE, false, Response.PR)]
    [InlineData(Response.PR, NonTargetStatus.CR, false, Response.PR)]
    [InlineData(Response.SD, NonTargetStatus.NonCRNonPD, false, Response.SD)]
    [InlineData(Response.SD, NonTargetStatus.NE, false, Response.SD)]
    [InlineData(Response.NE, NonTargetStatus.NonCRNonPD, false, Response.NE)]
    [InlineData(Response.NE, NonTargetStatus.NE, false, Response.NE)]
    [InlineData(Response.PD, NonTargetStatus.CR, false, Response.PD)]
    [InlineData(Response.PD, NonTargetStatus.NE, true, Response.PD)]
    [InlineData(Response.CR, NonTargetStatus.PD, false, Response.PD)]
    [InlineData(Response.SD, NonTargetStatus.PD, false, Response.PD)]
    [InlineData(Response.CR, NonTargetStatus.CR, true, Response.PD)]
    [InlineData(Response.SD, NonTargetStatus.NonCRNonPD, true, Response.PD)]
    public void the_overall_response_table(Response target, NonTargetStatus nonTarget, bool newLesion, Response expected) =>
        Assert.Equal(expected, Recist.Overall(target, nonTarget, newLesion));

    private static readonly BaselineLesionsRecorded Baseline = new(new DateOnly(2021, 1, 1), "CT",
        [new TargetLesion("T1", "lung", false, 60m), new TargetLesion("T2", "liver", false, 40m)], []);

    private static TumourAssessed Visit(string id, int day, decimal? t1, decimal? t2, bool newLesions = false, NonTargetStatus nonTarget = NonTargetStatus.NonCRNonPD) =>
        new(id, new DateOnly(2021, 1, 2).AddDays(day - 1), "CT", new Dictionary<string, decimal?> { ["T1"] = t1, ["T2"] = t2 }, nonTarget, newLesions);

    [Theory]
    [InlineData(42, 28, Response.PR)]    // 70 vs 100: exactly -30.0% is a partial response
    [InlineData(42, 28.1, Response.SD)]  // -29.9%
    [InlineData(0, 0, Response.CR)]
    public void percent_change_from_baseline(decimal t1, decimal t2, Response expected)
    {
        var visits = Recist.Evaluate(Baseline, [Visit("V1", 43, t1, t2)]);
        Assert.Equal(expected, visits[0].Target);
    }

    [Fact]
    public void progression_needs_20_percent_over_the_nadir_and_5_mm()
    {
        // Nadir 24.5 mm: +20% is 29.4 mm, but only +4.9 mm absolute: not PD. Nadir 25: 30 mm is +20% and +5 mm: PD.
        var small = new BaselineLesionsRecorded(new DateOnly(2021, 1, 1), "CT", [new TargetLesion("T1", "lung", false, 40m), new TargetLesion("T2", "liver", false, 10m)], []);
        var notYet = Recist.Evaluate(small, [Visit("V1", 43, 14.5m, 10m), Visit("V2", 85, 19.4m, 10m)]);
        Assert.Equal(Response.PR, notYet[1].Target); // still 41% below baseline, and not progression
        Assert.Equal(20.0m, notYet[1].ChangeFromNadirPercent);
        var progressed = Recist.Evaluate(small, [Visit("V1", 43, 15m, 10m), Visit("V2", 85, 20m, 10m)]);
        Assert.Equal(Response.PD, progressed[1].Target);
    }

    [Fact]
    public void a_target_node_under_10_mm_counts_as_complete_response()
    {
        var withNode = new BaselineLesionsRecorded(new DateOnly(2021, 1, 1), "CT", [new TargetLesion("T1", "lung", false, 20m), new TargetLesion("N1", "neck node", true, 20m)], []);
        var visit = new TumourAssessed("V1", new DateOnly(2021, 3, 1), "CT", new Dictionary<string, decimal?> { ["T1"] = 0m, ["N1"] = 9m }, NonTargetStatus.CR, false);
        Assert.Equal(Response.CR, Recist.Evaluate(withNode, [visit])[0].Overall);
        var stillNodal = visit with { TargetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 0m, ["N1"] = 10m } };
        Assert.Equal(Response.PR, Recist.Evaluate(withNode, [stillNodal])[0].Target);
    }

    [Fact]
    public void an_unmeasured_target_makes_the_visit_not_evaluable() =>
        Assert.Equal(Response.NE, Recist.Evaluate(Baseline, [Visit("V1", 43, 30m, null)])[0].Overall);

    private static readonly DateOnly FirstDose = new(2021, 1, 2);
    private static readonly RecistSettings Confirmed = new(true, 28, 42, 28);

    private static Response Best(params (int Day, decimal T1, decimal T2, bool New)[] visits) =>
        Recist.Best(FirstDose, Recist.Evaluate(Baseline, visits.Select((v, i) => Visit($"V{i + 1}", v.Day, v.T1, v.T2, v.New))), Confirmed).Response;

    [Fact]
    public void cr_then_cr_is_cr()
    {
        var visits = Recist.Evaluate(Baseline, [Visit("V1", 43, 0, 0, nonTarget: NonTargetStatus.CR), Visit("V2", 85, 0, 0, nonTarget: NonTargetStatus.CR)]);
        Assert.Equal(Response.CR, Recist.Best(FirstDose, visits, Confirmed).Response);
        Assert.Equal(["V1", "V2"], Recist.Best(FirstDose, visits, Confirmed).AssessmentIds);
    }
    [Fact] public void pr_then_pr_is_pr() => Assert.Equal(Response.PR, Best((43, 30, 30, false), (85, 30, 30, false)));
    [Fact] public void pr_then_cr_is_pr() => Assert.Equal(Response.PR, Best((43, 30, 30, false), (85, 0, 0, false)));
    [Fact] public void pr_confirmed_under_4_weeks_is_only_sd() => Assert.Equal(Response.SD, Best((43, 30, 30, false), (70, 30, 30, false)));
    [Fact] public void pr_confirmed_at_exactly_28_days_is_pr() => Assert.Equal(Response.PR, Best((43, 30, 30, false), (71, 30, 30, false)));
    [Fact] public void pr_then_sd_is_sd() => Assert.Equal(Response.SD, Best((43, 30, 30, false), (85, 45, 45, false)));
    [Fact] public void pr_then_pd_with_the_sd_minimum_met_is_sd() => Assert.Equal(Response.SD, Best((43, 30, 30, false), (85, 30, 30, true)));
    [Fact] public void pr_then_pd_before_the_sd_minimum_is_pd() => Assert.Equal(Response.PD, Best((30, 30, 30, false), (60, 30, 30, true)));
    [Fact] public void sd_on_day_43_meets_the_six_week_minimum() => Assert.Equal(Response.SD, Best((43, 45, 45, false)));
    [Fact] public void sd_on_day_42_does_not() => Assert.Equal(Response.NE, Best((42, 45, 45, false)));
    [Fact] public void pd_first_is_pd() => Assert.Equal(Response.PD, Best((43, 70, 60, false)));
    [Fact] public void visits_after_progression_do_not_count() => Assert.Equal(Response.PD, Best((30, 70, 60, false), (85, 30, 30, false), (130, 30, 30, false)));

    [Fact]
    public void pr_then_ne_is_sd_if_the_minimum_was_met_else_ne()
    {
        var met = Recist.Evaluate(Baseline, [Visit("V1", 43, 30, 30), Visit("V2", 85, null, 30)]);
        Assert.Equal(Response.SD, Recist.Best(FirstDose, met, Confirmed).Response);
        var notMet = Recist.Evaluate(Baseline, [Visit("V1", 30, 30, 30), Visit("V2", 40, null, 30)]);
        Assert.Equal(Response.NE, Recist.Best(FirstDose, notMet, Confirmed).Response);
    }

    [Fact]
    public void baseline_rules_name_the_lesion()
    {
        var findings = Recist.BaselineFindings(
        [
            new TargetLesion("T1", "lung", false, 9m), new TargetLesion("T2", "lung", false, 20m), new TargetLesion("T3", "lung", false, 20m),
            new TargetLesion("N1", "neck", true, 14m), new TargetLesion("T4", "liver", false, 20m), new TargetLesion("T5", "bone", false, 20m),
        ]).ToList();
        Assert.Contains(findings, f => f.Field == "targets[0].diameterMm");
        Assert.Contains(findings, f => f.Field == "targets[3].diameterMm");
        Assert.Contains(findings, f => f.Message.Contains("per organ"));
        Assert.Contains(findings, f => f.Message.Contains("At most 5"));
    }
}
