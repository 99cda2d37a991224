using System.Text.Json.Serialization;

namespace NpcEcrf.Analysis;

public sealed record Count(int N, double Percent);
public sealed record Range(double Median, double Min, double Max);
public sealed record BaselineRow(string Characteristic, string Level, int N, double Percent);
public sealed record Rate(double Percent, [property: JsonPropertyName("ci95")] double[] Ci95, string Method);
/// <summary>A landmark rate (<see cref="LandmarkEstimate"/>): survival null past the last follow-up, bounds null where the band is undefined.</summary>
public sealed record SurvivalAtTime(double Months, int NRisk, double? Survival, double? Lower, double? Upper)
{
    public LandmarkEstimate ToLandmark() => new(Months, NRisk, Survival, null, Lower, Upper);
}
public sealed record SurvivalSummary(
    int N, int Events, int Censored, double? Median, [property: JsonPropertyName("ci95")] double?[] Ci95, string Method,
    IReadOnlyList<SurvivalAtTime> Rates, double? MedianFollowUp, IReadOnlyList<SurvivalRow> Table);
public sealed record HazardRatio(double Hr, [property: JsonPropertyName("ci95")] double[] Ci95, double P, double Coef, double Se);
public sealed record CoxScreenRow(string Factor, string Label, string Comparison, int N, double Hr, double HrLower, double HrUpper, double P, bool Candidate, IReadOnlyList<string> Warnings);
/// <param name="CoefficientLabels">Each coefficient's human label (<see cref="Labels.Column"/>), in the order of <paramref name="Coefficients"/>.</param>
/// <param name="N">The subjects in the model: those with PFS and every covariate of the plan.</param>
public sealed record CoxModel(string Plan, string Rationale, string Ties, IReadOnlyList<CoxCoefficient> Coefficients, double LrChiSquare, double LrP, IReadOnlyList<string> Warnings,
    IReadOnlyList<string> CoefficientLabels, int N = 0);
/// <summary>
/// One term (or, in the system-organ-class table, one class), by each subject's worst grade: grades 1 to 5 (CTCAE grade 5
/// is death) each in its own column. The term's MedDRA preferred term, code and class where the definition codes it.
/// </summary>
public sealed record AdverseEventRow(string Term, Count AnyGrade, Count Grade1, Count Grade2, Count Grade3, Count Grade4, Count Grade5, Count Grade3OrMore,
    string? Soc = null, string? PreferredTerm = null, string? MeddraCode = null)
{
    public static readonly int[] Grades = [1, 2, 3, 4, 5];
    public IReadOnlyList<Count> ByGrade() => [Grade1, Grade2, Grade3, Grade4, Grade5];
}
public sealed record Exposure(Range Cycles, Count AtLeastThreeCycles, Count DoseReduced, double? MeanDoseIntensity);

public sealed record BaselineMeasure(int N, double? Median, double? Min, double? Max);
public sealed record ArmResult(string Arm, string Name, int N, IReadOnlyDictionary<string, int> BestOverallResponse, Rate Orr, Rate Dcr, SurvivalSummary PfsMonths, SurvivalSummary OsMonths);
/// <summary>The comparison of the arms: each arm's response and survival, the log-rank tests, and univariate Cox models of the arm.</summary>
public sealed record ByArm(IReadOnlyList<ArmResult> Arms, LogRankResult? PfsLogRank, LogRankResult? OsLogRank, IReadOnlyList<CoxScreenRow> PfsCox, IReadOnlyList<CoxScreenRow> OsCox);

/// <summary>The paper's tables for one analysis dataset, in one profile, under one (optional) plan; by arm where the study has several.</summary>
/// <param name="BaselineItems">Each binary or categorical covariate: level ("true"/"false", or the code) -> number of subjects.</param>
/// <param name="BaselineMeasures">Each continuous covariate: median and range.</param>
/// <param name="TablePopulations">The set each table is computed on: baseline on the enrolled set, response on the efficacy-evaluable
/// set, survival and Cox models on the plan's survival set, adverse events and exposure on the safety set.</param>
public sealed record StudyAnalysisResult(
    string Profile, int N, IReadOnlyList<Covariate> Covariates, IReadOnlyList<BaselineRow> Baseline, Range? Age,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> BaselineItems, IReadOnlyDictionary<string, BaselineMeasure> BaselineMeasures,
    int AtLeastThreeCycles, IReadOnlyDictionary<string, int> BestOverallResponse, Rate Orr, Rate Dcr, SurvivalSummary PfsMonths, SurvivalSummary OsMonths,
    IReadOnlyList<CoxScreenRow> CoxUnivariate, IReadOnlyList<string> ScreenCandidates, CoxModel? CoxPfsMultivariate, ByArm? ByArm,
    IReadOnlyList<AdverseEventRow> AdverseEventTable, Exposure Exposure,
    PopulationRules Rules, IReadOnlyList<PopulationCount> Populations, IReadOnlyList<FlowStep> Flow, IReadOnlyList<TablePopulation> TablePopulations,
    IReadOnlyList<AdverseEventRow> AdverseEventSocTable);

public static class StudyAnalysis
{
    public static readonly string[] Responses = ["CR", "PR", "SD", "PD", "NE"];
    public const double ScreenThreshold = 0.1;
    /// <summary>The landmark times of the survival rates, in months.</summary>
    public static readonly double[] Landmarks = [6, 12];

    /// <summary>The sets of <see cref="TablePopulations"/>, by table.</summary>
    public const string BaselineTable = "baseline", ResponseTable = "response", SurvivalTable = "survival", CoxTable = "cox", AdverseEventsTable = "adverseEvents", ExposureTable = "exposure";

    public static StudyAnalysisResult Run(AnalysisDataset dataset, AnalysisProfile profile, AnalysisPlan? plan)
    {
        var rules = plan?.Rules ?? PopulationRules.Default;
        var sets = Populations.Of(dataset.Subjects, rules);
        var enrolled = sets.Enrolled;
        var safety = sets.Treated;
        var evaluable = sets.Evaluable;
        var survivalSet = sets.Of(rules.SurvivalSet);
        var n = enrolled.Count;
        Count Safety(int k) => new(k, safety.Count == 0 ? 0 : 100.0 * k / safety.Count);
        var bor = BestResponses(evaluable);
        var factors = Factors.Of(dataset.Arms, dataset.Covariates);
        var screen = factors.SelectMany(f => Univariate(survivalSet, f, Pfs, profile.Ties)).ToList();
        var (aeTable, socTable) = AdverseEvents(dataset, safety);
        return new StudyAnalysisResult(
            profile.Name, n, dataset.Covariates, Baseline(dataset),
            enrolled.Where(s => s.Age is not null).Select(s => (double)s.Age!.Value).ToList() is { Count: > 0 } ages ? new Range(Median(ages), ages.Min(), ages.Max()) : null,
            dataset.Covariates.Where(c => c.Kind != CovariateKind.Continuous).ToDictionary(c => c.Name, c => LevelCounts(enrolled, c)),
            dataset.Covariates.Where(c => c.Kind == CovariateKind.Continuous).ToDictionary(c => c.Name, c => Measure(enrolled, c)),
            safety.Count(s => s.CyclesCompleted >= 3),
            bor,
            RateOf(bor["CR"] + bor["PR"], evaluable.Count, profile), RateOf(bor["CR"] + bor["PR"] + bor["SD"], evaluable.Count, profile),
            Survival(survivalSet, Pfs, profile), Survival(survivalSet, Os, profile),
            screen, screen.Where(r => r.Candidate).Select(r => r.Factor).Distinct().ToList(),
            plan is null ? null : Multivariate(survivalSet, factors, plan, dataset.Covariates),
            dataset.Arms.Count > 1 ? CompareArms(dataset, sets, rules, factors.Single(f => f.Name == Factors.Arm), profile) : null,
            aeTable,
            new Exposure(
                safety.Count == 0 ? new Range(0, 0, 0) : new Range(Median(safety.Select(s => (double)s.CyclesCompleted).ToList()), safety.Min(s => s.CyclesCompleted), safety.Max(s => s.CyclesCompleted)),
                Safety(safety.Count(s => s.CyclesCompleted >= 3)), Safety(safety.Count(s => s.DoseReductions > 0)),
                safety.Where(s => s.DoseIntensity is not null).Select(s => s.DoseIntensity!.Value).DefaultIfEmpty(double.NaN).Average() is var mean && double.IsFinite(mean) ? mean : null),
            rules,
            [.. new[] { Population.Enrolled, Population.Treated, Population.Evaluable }.Select(p => new PopulationCount(p, Labels.Population(p), Analysis.Populations.Definition(p, rules), sets.Of(p).Count))],
            sets.Flow,
            [
                new(BaselineTable, "Baseline characteristics", Population.Enrolled, Labels.Population(Population.Enrolled), enrolled.Count),
                new(ResponseTable, "Tumour response", Population.Evaluable, Labels.Population(Population.Evaluable), evaluable.Count),
                new(SurvivalTable, "Survival", rules.SurvivalSet, Labels.Population(rules.SurvivalSet), survivalSet.Count),
                new(CoxTable, "Cox proportional hazards", rules.SurvivalSet, Labels.Population(rules.SurvivalSet), survivalSet.Count),
                new(AdverseEventsTable, "Treatment-emergent adverse events", Population.Treated, Labels.Population(Population.Treated), safety.Count),
                new(ExposureTable, "Dose exposure", Population.Treated, Labels.Population(Population.Treated), safety.Count),
            ],
            socTable);
    }

    /// <summary>
    /// Each term and each MedDRA system organ class by the subjects' worst treatment-emergent grade, over the safety set.
    /// Terms are grouped by class (classes alphabetically, uncoded terms last) and keep the definition's order within one.
    /// </summary>
    private static (IReadOnlyList<AdverseEventRow> Terms, IReadOnlyList<AdverseEventRow> Classes) AdverseEvents(AnalysisDataset dataset, IReadOnlyList<AnalysisSubject> safety)
    {
        var n = safety.Count;
        Count Of(int k) => new(k, n == 0 ? 0 : 100.0 * k / n);
        AdverseEventRow Row(string label, Func<AnalysisSubject, int> worst)
        {
            int Grade(int g) => safety.Count(s => worst(s) == g);
            return new AdverseEventRow(label, Of(safety.Count(s => worst(s) > 0)), Of(Grade(1)), Of(Grade(2)), Of(Grade(3)), Of(Grade(4)), Of(Grade(5)), Of(safety.Count(s => worst(s) >= 3)));
        }
        var coding = dataset.AdverseEventTerms.Select(term => dataset.Coding?.FirstOrDefault(c => c.Term == term) ?? new AdverseEventCoding(term, null, null, null)).ToList();
        var terms = coding
            .Select(c => Row(c.Term, s => s.WorstGradeByTerm.GetValueOrDefault(c.Term)) with { Soc = c.Soc, PreferredTerm = c.PreferredTerm ?? c.Term, MeddraCode = c.MeddraCode })
            .Where(r => r.AnyGrade.N > 0)
            .OrderBy(r => r.Soc is null).ThenBy(r => r.Soc, StringComparer.Ordinal).ToList();
        var classes = coding.Where(c => c.Soc is not null).GroupBy(c => c.Soc!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, s => g.Select(c => s.WorstGradeByTerm.GetValueOrDefault(c.Term)).Max()) with { Soc = g.Key })
            .Where(r => r.AnyGrade.N > 0).ToList();
        return (terms, classes);
    }

    /// <summary>An endpoint of a subject: months and whether the event happened, or null where it cannot be timed.</summary>
    internal delegate (double Months, bool Event)? Endpoint(AnalysisSubject s);
    internal static readonly Endpoint Pfs = s => s.PfsMonths is { } m ? (m, s.PfsEvent) : null;
    internal static readonly Endpoint Os = s => s.OsMonths is { } m ? (m, s.OsEvent) : null;

    private static Dictionary<string, int> BestResponses(IReadOnlyList<AnalysisSubject> subjects) =>
        Responses.ToDictionary(r => r, r => subjects.Count(s => (s.BestOverallResponse ?? "NE") == r));

    private static Rate RateOf(int k, int n, AnalysisProfile profile)
    {
        if (n == 0) return new Rate(0, [double.NaN, double.NaN], Labels.Proportion(profile.Proportion));
        var e = Proportion.Estimate(k, n, profile.Proportion);
        return new Rate(e.Estimate * 100, [e.Lower * 100, e.Upper * 100], Labels.Proportion(profile.Proportion));
    }

    internal static SurvivalSummary Survival(IReadOnlyList<AnalysisSubject> subjects, Endpoint endpoint, AnalysisProfile profile)
    {
        var data = subjects.Select(s => endpoint(s)).OfType<(double Months, bool Event)>().ToList();
        var time = data.Select(d => d.Months).ToList();
        var died = data.Select(d => d.Event).ToList();
        if (data.Count == 0) return new SurvivalSummary(0, 0, 0, null, [null, null], "", [], null, []);
        var km = KaplanMeier.Fit(time, died, profile.ConfType);
        var median = km.Median(profile.Median);
        var rates = Landmarks.Select(km.Landmark).Select(e => new SurvivalAtTime(e.Time, e.NRisk, e.Survival, e.Lower, e.Upper)).ToList();
        return new SurvivalSummary(data.Count, died.Count(d => d), died.Count(d => !d), median.Value, [median.Lower, median.Upper],
            profile.Median == MedianMethod.Spss ? "Kaplan-Meier; median +- 1.96 SE, SE by the SPSS/Collett density method" : "Kaplan-Meier; median and CI by R's quantile.survfit (log band)",
            rates, KaplanMeier.MedianFollowUp(time, died).Value, km.Table);
    }

    /// <summary>
    /// A univariate Cox model of one factor for an endpoint, over the subjects with both; one row per column. On PFS
    /// this is the screen: factors with P &lt; 0.1 are offered as candidates, never used silently.
    /// </summary>
    private static IEnumerable<CoxScreenRow> Univariate(IReadOnlyList<AnalysisSubject> subjects, Factor factor, Endpoint endpoint, Ties ties)
    {
        var used = subjects.Where(s => endpoint(s) is not null && factor.Columns.All(c => c.Value(s) is not null)).ToList();
        if (!used.Any(s => endpoint(s)!.Value.Event)) return [];
        var (columns, _) = Factors.Estimable(factor, used);
        if (columns.Count == 0) return [];
        var fit = Cox.Fit(used.Select(s => endpoint(s)!.Value.Months).ToList(), used.Select(s => endpoint(s)!.Value.Event).ToList(),
            used.Select(s => columns.Select(c => c.Value(s)!.Value).ToArray()).ToList(), columns.Select(c => c.Comparison).ToList(), ties);
        return fit.Coefficients.Select(c => new CoxScreenRow(factor.Name, factor.Label, c.Name, used.Count, c.Hr, c.HrLower, c.HrUpper, c.P,
            c.P < ScreenThreshold, fit.Warnings)).ToList();
    }

    private static CoxModel Multivariate(IReadOnlyList<AnalysisSubject> subjects, IReadOnlyList<Factor> factors, AnalysisPlan plan, IReadOnlyList<Covariate> covariates)
    {
        CoxModel NotFitted(params string[] why) => new(plan.Name, plan.Rationale, Labels.TiesMethod(plan.Ties), [], double.NaN, double.NaN, why, []);
        // A plan naming a factor this study's definition does not have is not quietly fitted without it.
        var unknown = plan.PfsCovariates.Where(name => factors.All(f => f.Name != name)).ToList();
        if (unknown.Count > 0)
            return NotFitted($"The plan names {string.Join(", ", unknown)}, which this study's definition does not have: the model was not fitted.");
        var chosen = plan.PfsCovariates.Select(name => factors.Single(f => f.Name == name)).ToList();
        var used = subjects.Where(s => Pfs(s) is not null && chosen.All(f => f.Columns.All(c => c.Value(s) is not null))).ToList();
        var warnings = new List<string>();
        var columns = new List<(string Name, string Label, FactorColumn Column)>();
        foreach (var factor in chosen)
        {
            var (estimable, leftOut) = Factors.Estimable(factor, used);
            warnings.AddRange(leftOut);
            columns.AddRange(estimable.Select(c => (factor.ColumnName(c), Labels.Column(factor.Name, c.Comparison, covariates), c)));
        }
        if (!used.Any(s => s.PfsEvent) || columns.Count == 0)
            return NotFitted([.. warnings, "No events, or no covariates: the model was not fitted."]);
        var fit = Cox.Fit(used.Select(s => s.PfsMonths!.Value).ToList(), used.Select(s => s.PfsEvent).ToList(),
            used.Select(s => columns.Select(c => c.Column.Value(s)!.Value).ToArray()).ToList(), columns.Select(c => c.Name).ToList(), plan.Ties);
        return new CoxModel(plan.Name, plan.Rationale, Labels.TiesMethod(plan.Ties), fit.Coefficients, fit.LrTest.ChiSquare, fit.LrTest.P, [.. warnings, .. fit.Warnings],
            columns.Select(c => c.Label).ToList(), used.Count);
    }

    /// <summary>Per arm: n enrolled, response on the arm's evaluable subjects, survival on its part of the survival set.</summary>
    private static ByArm CompareArms(AnalysisDataset dataset, AnalysisSets sets, PopulationRules rules, Factor arm, AnalysisProfile profile)
    {
        var survivalSet = sets.Of(rules.SurvivalSet);
        List<AnalysisSubject> In(IReadOnlyList<AnalysisSubject> set, StudyArm a) => set.Where(s => Factors.Same(s.Arm, a.Code)).ToList();
        var arms = dataset.Arms.Select(a =>
        {
            var evaluable = In(sets.Evaluable, a);
            var bor = BestResponses(evaluable);
            return new ArmResult(a.Code, a.Name, In(sets.Enrolled, a).Count, bor,
                RateOf(bor["CR"] + bor["PR"], evaluable.Count, profile), RateOf(bor["CR"] + bor["PR"] + bor["SD"], evaluable.Count, profile),
                Survival(In(survivalSet, a), Pfs, profile), Survival(In(survivalSet, a), Os, profile));
        }).ToList();
        return new ByArm(arms, LogRankOf(dataset.Arms, survivalSet, Pfs), LogRankOf(dataset.Arms, survivalSet, Os),
            Univariate(survivalSet, arm, Pfs, profile.Ties).ToList(), Univariate(survivalSet, arm, Os, profile.Ties).ToList());
    }

    /// <summary>The log-rank test across the arms; none where fewer than two arms have subjects or nobody had the event.</summary>
    private static LogRankResult? LogRankOf(IReadOnlyList<StudyArm> arms, IReadOnlyList<AnalysisSubject> subjects, Endpoint endpoint)
    {
        var data = subjects
            .Select(s => (Arm: arms.FirstOrDefault(a => Factors.Same(a.Code, s.Arm))?.Code, Endpoint: endpoint(s)))
            .Where(x => x.Arm is not null && x.Endpoint is not null).ToList();
        if (data.Select(x => x.Arm).Distinct().Count() < 2 || !data.Any(x => x.Endpoint!.Value.Event)) return null;
        return LogRank.Test(data.Select(x => x.Endpoint!.Value.Months).ToList(), data.Select(x => x.Endpoint!.Value.Event).ToList(), data.Select(x => x.Arm!).ToList());
    }

    private static IReadOnlyDictionary<string, int> LevelCounts(IReadOnlyList<AnalysisSubject> subjects, Covariate c) => c.Kind == CovariateKind.Binary
        ? new Dictionary<string, int> { ["true"] = subjects.Count(s => Factors.Flag(s, c.Name) == true), ["false"] = subjects.Count(s => Factors.Flag(s, c.Name) == false) }
        : c.Levels.ToDictionary(l => l.Code, l => subjects.Count(s => Factors.Same(Factors.Code(s, c.Name), l.Code)));

    private static BaselineMeasure Measure(IReadOnlyList<AnalysisSubject> subjects, Covariate c)
    {
        var values = subjects.Select(s => Factors.Number(s, c.Name)).OfType<double>().ToList();
        return values.Count == 0 ? new BaselineMeasure(0, null, null, null) : new BaselineMeasure(values.Count, Median(values), values.Min(), values.Max());
    }

    private static IReadOnlyList<BaselineRow> Baseline(AnalysisDataset dataset)
    {
        var subjects = dataset.Subjects;
        var n = subjects.Count;
        BaselineRow Row(string characteristic, string level, int k) => new(characteristic, level, k, n == 0 ? 0 : 100.0 * k / n);
        var rows = new List<BaselineRow>();
        if (dataset.Arms.Count > 1)
            rows.AddRange(dataset.Arms.Select(a => Row("Arm", a.Name, subjects.Count(s => Factors.Same(s.Arm, a.Code)))));
        rows.Add(Row("Sex", "Male", subjects.Count(s => s.Sex == "M")));
        rows.Add(Row("Sex", "Female", subjects.Count(s => s.Sex == "F")));
        rows.AddRange(subjects.Select(s => s.Sex).Where(x => x is not null and not "M" and not "F").Distinct().Order(StringComparer.Ordinal)
            .Select(code => Row("Sex", code!, subjects.Count(s => s.Sex == code))));
        rows.Add(Row("ECOG", "0", subjects.Count(s => s.Ecog == 0)));
        rows.Add(Row("ECOG", "1", subjects.Count(s => s.Ecog == 1)));
        rows.Add(Row("ECOG", ">= 2", subjects.Count(s => s.Ecog >= 2)));
        foreach (var c in dataset.Covariates.Where(c => c.Kind != CovariateKind.Continuous))
        {
            var counts = LevelCounts(subjects, c);
            rows.AddRange(c.Kind == CovariateKind.Binary
                ? [Row(c.Label, "Yes", counts["true"]), Row(c.Label, "No", counts["false"])]
                : c.Levels.Select(l => Row(c.Label, l.Label, counts[l.Code])));
            if (n - counts.Values.Sum() is > 0 and var missing) rows.Add(Row(c.Label, "Not recorded", missing));
        }
        rows.Add(Row("Cycles", ">= 3", subjects.Count(s => s.CyclesCompleted >= 3)));
        return rows;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
