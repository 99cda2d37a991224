using static NpcEcrf.Analysis.Tests.StudyAnalysisTests;

namespace NpcEcrf.Analysis.Tests;

/// <summary>
/// Each table on its own set (issue 14): response on the efficacy-evaluable set, adverse events and exposure on the
/// safety set, survival on the plan's set; the flow table says who dropped out where and why.
/// </summary>
public class PopulationTests
{
    private static readonly AnalysisSubject[] Treated =
    [
        S(1, 50, true, "PR", 4, true, 9, false, 6, ("Fatigue", 2)), S(2, 61, false, "SD", 6, false, 8, false, 4, ("Fatigue", 3)),
    ];

    // Enrolled, never dosed: no response, no cycles, no survival time, no treatment-emergent event.
    private static AnalysisSubject Untreated(int i) => S(10 + i, 55, false, "NE", 0, false, 0, false, 0) with
    {
        Treated = false, PostBaselineAssessments = 0, BestOverallResponse = null, PfsMonths = null, OsMonths = null, WorstGradeByTerm = new Dictionary<string, int>(),
    };

    private static StudyAnalysisResult Run(IReadOnlyList<AnalysisSubject> subjects, AnalysisPlan? plan = null) =>
        StudyAnalysis.Run(new AnalysisDataset(subjects, [new("A", "Only arm")], Covariates, ["Fatigue"]), AnalysisProfile.Paper, plan);

    private static int N(StudyAnalysisResult r, string table) => r.TablePopulations.Single(t => t.Table == table).N;

    [Fact]
    public void five_untreated_subjects_are_in_no_response_n_and_no_median_of_cycles()
    {
        var r = Run([.. Treated, .. Enumerable.Range(1, 5).Select(Untreated)]);
        Assert.Equal(7, r.N);
        Assert.Equal(2, N(r, StudyAnalysis.ResponseTable));
        Assert.Equal(2, r.BestOverallResponse.Values.Sum());
        Assert.Equal(50.0, r.Orr.Percent);
        Assert.Equal((5.0, 4.0, 6.0), (r.Exposure.Cycles.Median, r.Exposure.Cycles.Min, r.Exposure.Cycles.Max));
        Assert.Equal(2, N(r, StudyAnalysis.AdverseEventsTable));
        Assert.Equal(50.0, r.AdverseEventTable.Single().Grade3.Percent);
        Assert.Equal(2, r.PfsMonths.N);
        Assert.Equal(7, N(r, StudyAnalysis.BaselineTable));
        Assert.Equal([(Population.Enrolled, 7), (Population.Treated, 2), (Population.Evaluable, 2)], r.Flow.Select(f => (f.Population, f.N)));
        Assert.Equal([new FlowExclusion(Populations.NotTreated, 5)], r.Flow[1].Excluded);
    }

    [Fact]
    public void the_same_seven_all_treated_are_all_in_the_response_n_and_the_median_of_cycles()
    {
        // The other way round: dosed, the same subjects count, and their 0 cycles pull the median down.
        var r = Run([.. Treated, .. Enumerable.Range(1, 5).Select(i => Untreated(i) with { Treated = true, PostBaselineAssessments = 1, BestOverallResponse = "NE" })]);
        Assert.Equal(7, N(r, StudyAnalysis.ResponseTable));
        Assert.Equal(7, r.BestOverallResponse.Values.Sum());
        Assert.Equal(0.0, r.Exposure.Cycles.Median);
        Assert.All(r.Flow.Skip(1), step => Assert.Empty(step.Excluded));
    }

    [Fact]
    public void the_evaluable_set_leaves_out_the_ineligible_and_those_never_assessed_by_the_plans_rules()
    {
        AnalysisSubject[] subjects = [.. Treated, Treated[0] with { SubjectNumber = "X-1", Eligible = false }, Treated[1] with { SubjectNumber = "X-2", PostBaselineAssessments = 0 }, Untreated(1)];
        var r = Run(subjects);
        Assert.Equal([5, 4, 2], r.Flow.Select(f => f.N));
        Assert.Equal([new FlowExclusion(Populations.NotEligible, 1), new FlowExclusion(Populations.NoPostBaselineAssessment, 1)], r.Flow[2].Excluded);
        Assert.Equal((2, 4, 4), (N(r, StudyAnalysis.ResponseTable), N(r, StudyAnalysis.AdverseEventsTable), N(r, StudyAnalysis.SurvivalTable)));

        // A plan that drops both requirements and analyses survival on the evaluable set.
        var plan = new AnalysisPlan("lenient", ["age"], Ties.Breslow, "test", new PopulationRules(false, false, Population.Evaluable));
        var lenient = Run(subjects, plan);
        Assert.Equal([5, 4, 4], lenient.Flow.Select(f => f.N));
        Assert.Equal((Population.Evaluable, 4), lenient.TablePopulations.Where(t => t.Table == StudyAnalysis.SurvivalTable).Select(t => (t.Population, t.N)).Single());
        Assert.Contains("with baseline lesions and at least one post-baseline tumour assessment (or a death before the first)", r.Populations.Single(p => p.Population == Population.Evaluable).Definition);
        Assert.DoesNotContain("post-baseline", lenient.Populations.Single(p => p.Population == Population.Evaluable).Definition);
    }

    [Fact]
    public void a_death_before_the_first_assessment_is_evaluable_as_a_non_responder_and_no_baseline_lesions_is_not()
    {
        var died = Treated[1] with { SubjectNumber = "D-1", BestOverallResponse = "NE", PostBaselineAssessments = 0, PfsEvent = true };
        var noBaseline = Treated[1] with { SubjectNumber = "D-2", BestOverallResponse = null, PostBaselineAssessments = 0 };
        var r = Run([.. Treated, died, noBaseline]);
        Assert.Equal(3, N(r, StudyAnalysis.ResponseTable));
        Assert.Equal(1, r.BestOverallResponse["NE"]);
        Assert.Equal([new FlowExclusion(Populations.NoBaselineAssessment, 1)], r.Flow[2].Excluded);
    }

    [Fact]
    public void an_ineligible_subject_recorded_as_not_known_stays_evaluable()
    {
        var r = Run([Treated[0] with { Eligible = null }, Treated[1]]);
        Assert.Equal(2, N(r, StudyAnalysis.ResponseTable));
    }

    [Fact]
    public void system_organ_classes_count_each_subject_once_at_the_worst_grade_of_their_terms()
    {
        AnalysisSubject[] subjects = [S(1, 50, true, "SD", 4, true, 9, false, 6, ("Nausea", 1), ("Vomiting", 3)), S(2, 61, false, "SD", 6, false, 8, false, 4, ("Nausea", 2)), S(3, 45, false, "SD", 6, false, 8, false, 4, ("Cough", 1))];
        var coding = new AdverseEventCoding[] { new("Nausea", "Nausea", "10028813", "Gastrointestinal disorders"), new("Vomiting", "Vomiting", "10047700", "Gastrointestinal disorders") };
        var r = StudyAnalysis.Run(new AnalysisDataset(subjects, [new("A", "Only arm")], Covariates, ["Nausea", "Vomiting", "Cough"], coding), AnalysisProfile.Paper, null);
        var gi = r.AdverseEventSocTable.Single();
        Assert.Equal(("Gastrointestinal disorders", 2, 0, 1, 1), (gi.Soc, gi.AnyGrade.N, gi.Grade1.N, gi.Grade2.N, gi.Grade3.N));
        // Coded terms under their class first; the uncoded term last, by its verbatim name.
        Assert.Equal(["Nausea", "Vomiting", "Cough"], r.AdverseEventTable.Select(a => a.Term));
        Assert.Equal(("Cough", null, null), (r.AdverseEventTable[^1].PreferredTerm, r.AdverseEventTable[^1].Soc, r.AdverseEventTable[^1].MeddraCode));
    }
}
