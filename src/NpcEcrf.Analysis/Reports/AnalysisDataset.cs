namespace NpcEcrf.Analysis;

/// <summary>
/// One subject of an analysis dataset (ADSL + ADRS + ADTTE + ADAE, flattened): what the tables need. Age, sex and ECOG are
/// the core demographics every study has; whatever else the study collects at baseline is in <paramref name="Covariates"/>.
/// </summary>
/// <param name="Covariates">The study's baseline items by name: a bool (binary), a double (continuous) or a code (categorical); null where not entered.</param>
/// <param name="WorstGradeByTerm">The worst grade of the subject's treatment-emergent events of each term (<see cref="TreatmentEmergentEvents"/>).</param>
/// <param name="Treated">At least one dose received (the safety set).</param>
/// <param name="Eligible">Every eligibility criterion answered as the protocol requires; null where the enrolment did not record them.</param>
/// <param name="PostBaselineAssessments">Tumour assessments after the baseline one, up to the cut-off.</param>
/// <param name="FirstResponseMonths">Months from the first dose to the first assessment read CR or PR (before any progression); null if none.</param>
/// <param name="ProgressionMonths">Months from the first dose to the first assessment read PD; null if none.</param>
public sealed record AnalysisSubject(
    string SubjectNumber, string Site, string Arm, int? Age, string? Sex, int? Ecog, IReadOnlyDictionary<string, object?> Covariates,
    int CyclesCompleted, int DoseReductions, double? DoseIntensity, string? BestOverallResponse, double? BestPercentChange,
    double? PfsMonths, bool PfsEvent, double? OsMonths, bool OsEvent, double TreatmentMonths, bool OnTreatment, string? EndOfTreatment,
    IReadOnlyDictionary<string, int> WorstGradeByTerm, bool Treated, bool? Eligible, int PostBaselineAssessments,
    double? FirstResponseMonths = null, double? ProgressionMonths = null);

public enum CovariateKind { Binary, Continuous, Categorical }

public sealed record CovariateLevel(string Code, string Label);

/// <summary>
/// A baseline item as the analysis uses it. Binary enters a Cox model as yes vs no, continuous per unit, categorical as
/// one indicator per level against <paramref name="Reference"/>.
/// </summary>
/// <param name="Levels">Categorical: the code list in its order; empty otherwise.</param>
/// <param name="Reference">Categorical: the level the others are compared with (the code list's first).</param>
public sealed record Covariate(string Name, string Label, CovariateKind Kind, IReadOnlyList<CovariateLevel> Levels, string? Reference = null, string? Unit = null)
{
    public static Covariate Binary(string name, string label) => new(name, label, CovariateKind.Binary, []);
    public static Covariate Continuous(string name, string label, string? unit = null) => new(name, label, CovariateKind.Continuous, [], null, unit);
    public static Covariate Categorical(string name, string label, IReadOnlyList<CovariateLevel> levels) => new(name, label, CovariateKind.Categorical, levels, levels[0].Code);
}

/// <summary>A treatment arm of the study, in the protocol's order: the first is the reference of comparisons by arm.</summary>
public sealed record StudyArm(string Code, string Name);

/// <summary>What one analysis is of: the subjects and, from the study's definition, its arms, baseline covariates and adverse-event terms.</summary>
/// <param name="Coding">The MedDRA coding of the terms, where the definition gives it; a term without it is shown by its verbatim name.</param>
public sealed record AnalysisDataset(
    IReadOnlyList<AnalysisSubject> Subjects, IReadOnlyList<StudyArm> Arms, IReadOnlyList<Covariate> Covariates, IReadOnlyList<string> AdverseEventTerms,
    IReadOnlyList<AdverseEventCoding>? Coding = null);

/// <summary>The methods of an analysis: a profile's defaults, which a plan may not silently change.</summary>
public sealed record AnalysisProfile(string Name, ProportionMethod Proportion, MedianMethod Median, ConfType ConfType, Ties Ties)
{
    /// <summary>The seed paper's SPSS conventions.</summary>
    public static readonly AnalysisProfile Paper = new("paper", ProportionMethod.T, MedianMethod.Spss, ConfType.Log, Ties.Breslow);
    /// <summary>R survival's defaults, with exact (Clopper-Pearson) intervals for proportions as binom.test.</summary>
    public static readonly AnalysisProfile R = new("r", ProportionMethod.ClopperPearson, MedianMethod.R, ConfType.Log, Ties.Efron);

    public static AnalysisProfile? Named(string name) => name.ToLowerInvariant() switch { "paper" => Paper, "r" => R, _ => null };
}

/// <summary>A statistician's named plan: the multivariate PFS model's covariates and tie method, and the analysis populations, chosen, saved and printed.</summary>
/// <param name="Populations">How the plan defines its analysis sets and treatment-emergent events; null: <see cref="PopulationRules.Default"/>.</param>
public sealed record AnalysisPlan(string Name, IReadOnlyList<string> PfsCovariates, Ties Ties, string Rationale, PopulationRules? Populations = null)
{
    [System.Text.Json.Serialization.JsonIgnore] public PopulationRules Rules => Populations ?? PopulationRules.Default;
}
