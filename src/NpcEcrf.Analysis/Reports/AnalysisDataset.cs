namespace NpcEcrf.Analysis;

/// <summary>One subject of an analysis dataset (ADSL + ADRS + ADTTE + ADAE, flattened): what the tables need.</summary>
public sealed record AnalysisSubject(
    string SubjectNumber, string Site, int? Age, string? Sex, int? Ecog, string? DiseasePattern, bool? LiverMetastases, bool? PlatinumRefractory,
    int CyclesCompleted, int DoseReductions, double? DoseIntensity, string? BestOverallResponse, double? BestPercentChange,
    double? PfsMonths, bool PfsEvent, double? OsMonths, bool OsEvent, double TreatmentMonths, bool OnTreatment, string? EndOfTreatment,
    IReadOnlyDictionary<string, int> WorstGradeByTerm);

/// <summary>The methods of an analysis: a profile's defaults, which a plan may not silently change.</summary>
public sealed record AnalysisProfile(string Name, ProportionMethod Proportion, MedianMethod Median, ConfType ConfType, Ties Ties)
{
    /// <summary>The seed paper's SPSS conventions.</summary>
    public static readonly AnalysisProfile Paper = new("paper", ProportionMethod.T, MedianMethod.Spss, ConfType.Log, Ties.Breslow);
    /// <summary>R survival's defaults, with exact (Clopper-Pearson) intervals for proportions as binom.test.</summary>
    public static readonly AnalysisProfile R = new("r", ProportionMethod.ClopperPearson, MedianMethod.R, ConfType.Log, Ties.Efron);

    public static AnalysisProfile? Named(string name) => name.ToLowerInvariant() switch { "paper" => Paper, "r" => R, _ => null };
}

/// <summary>A statistician's named plan: the multivariate PFS model's covariates and tie method, chosen, saved and printed.</summary>
public sealed record AnalysisPlan(string Name, IReadOnlyList<string> PfsCovariates, Ties Ties, string Rationale);
