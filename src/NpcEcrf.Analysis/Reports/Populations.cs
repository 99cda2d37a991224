namespace NpcEcrf.Analysis;

/// <summary>The analysis sets, nested: every treated subject is enrolled, every evaluable subject treated.</summary>
public enum Population { Enrolled, Treated, Evaluable }

/// <summary>Which adverse events are treatment-emergent (docs/analysis.md, "Adverse events").</summary>
public enum TreatmentEmergence
{
    /// <summary>Onset on or after the first dose, or an event that began before it and worsened (a higher grade) on or after it.</summary>
    OnsetOrWorsening,
    /// <summary>Onset on or after the first dose only.</summary>
    Onset,
}

/// <summary>
/// How a plan defines its populations. The defaults are what a statistician of a single-arm phase II study expects:
/// response on the efficacy-evaluable set (treated, eligible, with baseline lesions and at least one post-baseline tumour
/// assessment, or a death before the first one: a non-responder, as ADaM's EFFFL counts it),
/// adverse events and exposure on the safety set (at least one dose), survival on the safety set (its time origin is
/// the first dose, so an untreated subject has no survival time), treatment-emergent events by onset or worsening.
/// </summary>
public sealed record PopulationRules(
    bool EvaluableRequiresEligibility = true, bool EvaluableRequiresPostBaselineAssessment = true,
    Population SurvivalSet = Population.Treated, TreatmentEmergence TreatmentEmergence = TreatmentEmergence.OnsetOrWorsening)
{
    public static readonly PopulationRules Default = new();

    /// <summary>The survival set may not be the enrolled set: time to event starts at the first dose.</summary>
    public static bool AllowedSurvivalSet(Population p) => p is Population.Treated or Population.Evaluable;
}

/// <summary>An analysis set: its definition as the plan made it, and its size.</summary>
public sealed record PopulationCount(Population Population, string Label, string Definition, int N);

/// <summary>Subjects left out on the way to a set, by the first reason that applies to them.</summary>
public sealed record FlowExclusion(string Reason, int N);

/// <summary>One step of the flow table: enrolled, then treated, then evaluable, each with who dropped out and why.</summary>
public sealed record FlowStep(Population Population, string Label, int N, IReadOnlyList<FlowExclusion> Excluded);

/// <summary>Which set a table of the report is computed on, and its n.</summary>
public sealed record TablePopulation(string Table, string Title, Population Population, string Label, int N);

/// <summary>The analysis sets of one dataset under one plan's rules.</summary>
public sealed record AnalysisSets(IReadOnlyList<AnalysisSubject> Enrolled, IReadOnlyList<AnalysisSubject> Treated, IReadOnlyList<AnalysisSubject> Evaluable, IReadOnlyList<FlowStep> Flow)
{
    public IReadOnlyList<AnalysisSubject> Of(Population p) => p switch { Population.Enrolled => Enrolled, Population.Treated => Treated, _ => Evaluable };
}

public static class Populations
{
    public const string NotTreated = "not treated (no dose received)", NotEligible = "not eligible (an eligibility criterion not met)",
        NoBaselineAssessment = "no baseline tumour assessment", NoPostBaselineAssessment = "no post-baseline tumour assessment (and no death before one)";

    /// <summary>
    /// Response can be assessed: baseline lesions were measured (the best overall response exists only then), and there is a
    /// post-baseline assessment or a PFS event before any (a death: a non-responder). ADaM's EFFFL applies the same rule.
    /// </summary>
    public static bool Assessable(bool baselineLesions, int postBaselineAssessments, bool pfsEvent) =>
        baselineLesions && (postBaselineAssessments > 0 || pfsEvent);

    public static string Definition(Population p, PopulationRules rules) => p switch
    {
        Population.Enrolled => "every subject enrolled by the data cut-off",
        Population.Treated => "enrolled subjects who received at least one dose",
        _ => "treated subjects" + (rules.EvaluableRequiresEligibility ? ", eligible" : "")
             + (rules.EvaluableRequiresPostBaselineAssessment ? ", with baseline lesions and at least one post-baseline tumour assessment (or a death before the first)" : ""),
    };

    /// <summary>The sets and the flow between them; a subject who drops out is counted once, under the first reason that applies.</summary>
    public static AnalysisSets Of(IReadOnlyList<AnalysisSubject> subjects, PopulationRules rules)
    {
        var treated = subjects.Where(s => s.Treated).ToList();
        string? Why(AnalysisSubject s) =>
            rules.EvaluableRequiresEligibility && s.Eligible == false ? NotEligible
            : rules.EvaluableRequiresPostBaselineAssessment && s.BestOverallResponse is null ? NoBaselineAssessment
            : rules.EvaluableRequiresPostBaselineAssessment && !Assessable(true, s.PostBaselineAssessments, s.PfsEvent) ? NoPostBaselineAssessment
            : null;
        var evaluable = treated.Where(s => Why(s) is null).ToList();
        IReadOnlyList<FlowExclusion> Reasons(IEnumerable<string?> reasons) =>
            reasons.OfType<string>().GroupBy(r => r).Select(g => new FlowExclusion(g.Key, g.Count())).OrderBy(e => Order(e.Reason)).ToList();
        return new AnalysisSets(subjects, treated, evaluable,
        [
            new(Population.Enrolled, Labels.Population(Population.Enrolled), subjects.Count, []),
            new(Population.Treated, Labels.Population(Population.Treated), treated.Count, Reasons(subjects.Where(s => !s.Treated).Select(_ => (string?)NotTreated))),
            new(Population.Evaluable, Labels.Population(Population.Evaluable), evaluable.Count, Reasons(treated.Select(Why))),
        ]);
    }

    private static int Order(string reason) => Array.IndexOf([NotTreated, NotEligible, NoBaselineAssessment, NoPostBaselineAssessment], reason);
}
