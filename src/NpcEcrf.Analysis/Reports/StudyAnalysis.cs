using System.Text.Json.Serialization;

namespace NpcEcrf.Analysis;

public sealed record Count(int N, double Percent);
public sealed record Range(double Median, double Min, double Max);
public sealed record BaselineRow(string Characteristic, string Level, int N, double Percent);
public sealed record Rate(double Percent, [property: JsonPropertyName("ci95")] double[] Ci95, string Method);
public sealed record SurvivalAtTime(double Months, double Survival, double? Lower, double? Upper);
public sealed record SurvivalSummary(
    int N, int Events, int Censored, double? Median, [property: JsonPropertyName("ci95")] double?[] Ci95, string Method,
    IReadOnlyList<SurvivalAtTime> Rates, double? MedianFollowUp, IReadOnlyList<SurvivalRow> Table);
public sealed record HazardRatio(double Hr, [property: JsonPropertyName("ci95")] double[] Ci95, double P, double Coef, double Se);
public sealed record CoxScreenRow(string Factor, string Comparison, int N, double Hr, double HrLower, double HrUpper, double P, bool Candidate, IReadOnlyList<string> Warnings);
public sealed record CoxModel(string Plan, string Rationale, string Ties, IReadOnlyList<CoxCoefficient> Coefficients, double LrChiSquare, double LrP, IReadOnlyList<string> Warnings);
public sealed record AdverseEventRow(string Term, Count AnyGrade, Count Grade1, Count Grade2, Count Grade3, Count Grade4, Count Grade3OrMore);
public sealed record Exposure(Range Cycles, Count AtLeastThreeCycles, Count DoseReduced, double? MeanDoseIntensity);

/// <summary>The paper's tables for one analysis dataset, in one profile, under one (optional) plan.</summary>
public sealed record StudyAnalysisResult(
    string Profile, int N, IReadOnlyList<BaselineRow> Baseline, Range? Age, IReadOnlyDictionary<string, int> DiseaseStatus, int PlatinumRefractory,
    int AtLeastThreeCycles, IReadOnlyDictionary<string, int> BestOverallResponse, Rate Orr, Rate Dcr, SurvivalSummary PfsMonths, SurvivalSummary OsMonths,
    IReadOnlyList<CoxScreenRow> CoxUnivariate, IReadOnlyList<string> ScreenCandidates, CoxModel? CoxPfsMultivariate,
    IReadOnlyList<AdverseEventRow> AdverseEventTable, Exposure Exposure);

public static class StudyAnalysis
{
    public static readonly string[] Responses = ["CR", "PR", "SD", "PD", "NE"];
    public const double ScreenThreshold = 0.1;

    public static StudyAnalysisResult Run(IReadOnlyList<AnalysisSubject> subjects, AnalysisProfile profile, AnalysisPlan? plan, IReadOnlyList<string> adverseEventTerms)
    {
        var n = subjects.Count;
        Count Of(int k) => new(k, n == 0 ? 0 : 100.0 * k / n);
        var bor = Responses.ToDictionary(r => r, r => subjects.Count(s => (s.BestOverallResponse ?? "NE") == r));
        var screen = CoxScreen(subjects, profile.Ties);
        return new StudyAnalysisResult(
            profile.Name, n, Baseline(subjects),
            subjects.Where(s => s.Age is not null).Select(s => (double)s.Age!.Value).ToList() is { Count: > 0 } ages ? new Range(Median(ages), ages.Min(), ages.Max()) : null,
            new[] { "metastatic", "recurrent", "both" }.ToDictionary(p => p, p => subjects.Count(s => string.Equals(s.DiseasePattern, p, StringComparison.OrdinalIgnoreCase))),
            subjects.Count(s => s.PlatinumRefractory == true),
            subjects.Count(s => s.CyclesCompleted >= 3),
            bor,
            RateOf(bor["CR"] + bor["PR"], n, profile), RateOf(bor["CR"] + bor["PR"] + bor["SD"], n, profile),
            Survival(subjects.Where(s => s.PfsMonths is not null).Select(s => (s.PfsMonths!.Value, s.PfsEvent)).ToList(), profile),
            Survival(subjects.Where(s => s.OsMonths is not null).Select(s => (s.OsMonths!.Value, s.OsEvent)).ToList(), profile),
            screen, screen.Where(r => r.Candidate).Select(r => r.Factor).Distinct().ToList(),
            plan is null ? null : Multivariate(subjects, plan),
            adverseEventTerms.Select(term =>
            {
                int Grade(int g) => subjects.Count(s => s.WorstGradeByTerm.GetValueOrDefault(term) == g);
                return new AdverseEventRow(term, Of(subjects.Count(s => s.WorstGradeByTerm.GetValueOrDefault(term) > 0)),
                    Of(Grade(1)), Of(Grade(2)), Of(Grade(3)), Of(Grade(4)), Of(subjects.Count(s => s.WorstGradeByTerm.GetValueOrDefault(term) >= 3)));
            }).ToList(),
            new Exposure(
                subjects.Count == 0 ? new Range(0, 0, 0) : new Range(Median(subjects.Select(s => (double)s.CyclesCompleted).ToList()), subjects.Min(s => s.CyclesCompleted), subjects.Max(s => s.CyclesCompleted)),
                Of(subjects.Count(s => s.CyclesCompleted >= 3)), Of(subjects.Count(s => s.DoseReductions > 0)),
                subjects.Where(s => s.DoseIntensity is not null).Select(s => s.DoseIntensity!.Value).DefaultIfEmpty(double.NaN).Average() is var mean && double.IsFinite(mean) ? mean : null));
    }

    private static Rate RateOf(int k, int n, AnalysisProfile profile)
    {
        if (n == 0) return new Rate(0, [double.NaN, double.NaN], profile.Proportion.ToString());
        var e = Proportion.Estimate(k, n, profile.Proportion);
        return new Rate(e.Estimate * 100, [e.Lower * 100, e.Upper * 100], MethodName(profile.Proportion));
    }

    public static string MethodName(ProportionMethod m) => m switch
    {
        ProportionMethod.T => "mean of 0/1 indicator, SD with n-1, t(n-1) quantile (SPSS)",
        ProportionMethod.Wald => "Wald",
        ProportionMethod.Wilson => "Wilson score",
        _ => "Clopper-Pearson exact",
    };

    private static SurvivalSummary Survival(IReadOnlyList<(double Months, bool Event)> data, AnalysisProfile profile)
    {
        var time = data.Select(d => d.Months).ToList();
        var died = data.Select(d => d.Event).ToList();
        if (data.Count == 0) return new SurvivalSummary(0, 0, 0, null, [null, null], "", [], null, []);
        var km = KaplanMeier.Fit(time, died, profile.ConfType);
        var median = km.Median(profile.Median);
        var rates = new[] { 6.0, 12.0 }.Select(m =>
        {
            var row = km.Table.LastOrDefault(r => r.Time <= m);
            return new SurvivalAtTime(m, row?.Survival ?? 1, row?.Lower ?? 1, row?.Upper ?? 1);
        }).ToList();
        return new SurvivalSummary(data.Count, died.Count(d => d), died.Count(d => !d), median.Value, [median.Lower, median.Upper],
            profile.Median == MedianMethod.Spss ? "Kaplan-Meier; median +- 1.96 SE, SE by the SPSS/Collett density method" : "Kaplan-Meier; median and CI by R's quantile.survfit (log band)",
            rates, KaplanMeier.MedianFollowUp(time, died).Value, km.Table);
    }

    /// <summary>The baseline factors and how each enters a Cox model (binary, continuous, or dummies against a reference).</summary>
    private static readonly (string Factor, string Comparison, Func<AnalysisSubject, double?> Value)[] Factors =
    [
        ("age", "per year", s => s.Age),
        ("sex", "female vs male", s => s.Sex is null ? null : s.Sex == "F" ? 1 : 0),
        ("ecog", "1 vs 0", s => s.Ecog is null ? null : s.Ecog >= 1 ? 1 : 0),
        ("liverMetastases", "yes vs no", s => s.LiverMetastases is null ? null : s.LiverMetastases.Value ? 1 : 0),
        ("platinumRefractory", "yes vs no", s => s.PlatinumRefractory is null ? null : s.PlatinumRefractory.Value ? 1 : 0),
        ("diseaseStatus", "metastatic vs recurrent", s => s.DiseasePattern is null ? null : s.DiseasePattern.Equals("metastatic", StringComparison.OrdinalIgnoreCase) ? 1 : 0),
        ("diseaseStatus", "both vs recurrent", s => s.DiseasePattern is null ? null : s.DiseasePattern.Equals("both", StringComparison.OrdinalIgnoreCase) ? 1 : 0),
    ];

    public static IReadOnlyList<string> FactorNames => Factors.Select(f => f.Factor).Distinct().ToList();

    /// <summary>Univariate Cox screen of PFS; factors with P &lt; 0.1 are offered as candidates, never used silently.</summary>
    private static IReadOnlyList<CoxScreenRow> CoxScreen(IReadOnlyList<AnalysisSubject> subjects, Ties ties)
    {
        var rows = new List<CoxScreenRow>();
        var withPfs = subjects.Where(s => s.PfsMonths is not null).ToList();
        foreach (var group in Factors.GroupBy(f => f.Factor))
        {
            var used = withPfs.Where(s => group.All(f => f.Value(s) is not null)).ToList();
            if (used.Count(s => s.PfsEvent) == 0) continue;
            var columns = group.ToList();
            if (columns.Any(c => used.Select(s => c.Value(s)).Distinct().Count() < 2)) continue;
            var fit = Cox.Fit(used.Select(s => s.PfsMonths!.Value).ToList(), used.Select(s => s.PfsEvent).ToList(),
                used.Select(s => columns.Select(c => c.Value(s)!.Value).ToArray()).ToList(), columns.Select(c => c.Comparison).ToList(), ties);
            rows.AddRange(fit.Coefficients.Select(c => new CoxScreenRow(group.Key, c.Name, used.Count, c.Hr, c.HrLower, c.HrUpper, c.P,
                c.P < ScreenThreshold, fit.Warnings)));
        }
        return rows;
    }

    private static CoxModel Multivariate(IReadOnlyList<AnalysisSubject> subjects, AnalysisPlan plan)
    {
        var columns = plan.PfsCovariates.SelectMany(name => Factors.Where(f => f.Factor == name)).ToList();
        var used = subjects.Where(s => s.PfsMonths is not null && columns.All(c => c.Value(s) is not null)).ToList();
        var names = columns.Select(c => c.Factor == "diseaseStatus" ? $"diseaseStatus ({c.Comparison})" : c.Factor).ToList();
        if (used.Count(s => s.PfsEvent) == 0 || columns.Count == 0)
            return new CoxModel(plan.Name, plan.Rationale, plan.Ties.ToString(), [], double.NaN, double.NaN, ["No events, or no covariates: the model was not fitted."]);
        var fit = Cox.Fit(used.Select(s => s.PfsMonths!.Value).ToList(), used.Select(s => s.PfsEvent).ToList(),
            used.Select(s => columns.Select(c => c.Value(s)!.Value).ToArray()).ToList(), names, plan.Ties);
        return new CoxModel(plan.Name, plan.Rationale, plan.Ties.ToString(), fit.Coefficients, fit.LrTest.ChiSquare, fit.LrTest.P, fit.Warnings);
    }

    private static IReadOnlyList<BaselineRow> Baseline(IReadOnlyList<AnalysisSubject> subjects)
    {
        var n = subjects.Count;
        BaselineRow Row(string characteristic, string level, int k) => new(characteristic, level, k, n == 0 ? 0 : 100.0 * k / n);
        return
        [
            Row("Sex", "Male", subjects.Count(s => s.Sex == "M")),
            Row("Sex", "Female", subjects.Count(s => s.Sex == "F")),
            Row("ECOG", "0", subjects.Count(s => s.Ecog == 0)),
            Row("ECOG", "1", subjects.Count(s => s.Ecog == 1)),
            Row("ECOG", ">= 2", subjects.Count(s => s.Ecog >= 2)),
            Row("Disease status", "Metastatic", subjects.Count(s => s.DiseasePattern == "metastatic")),
            Row("Disease status", "Recurrent", subjects.Count(s => s.DiseasePattern == "recurrent")),
            Row("Disease status", "Recurrent and metastatic", subjects.Count(s => s.DiseasePattern == "both")),
            Row("Liver metastases", "Yes", subjects.Count(s => s.LiverMetastases == true)),
            Row("Platinum-refractory", "Yes", subjects.Count(s => s.PlatinumRefractory == true)),
            Row("Cycles", ">= 3", subjects.Count(s => s.CyclesCompleted >= 3)),
        ];
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
