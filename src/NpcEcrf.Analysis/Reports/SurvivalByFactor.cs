namespace NpcEcrf.Analysis;

/// <summary>One group of a factor (a level of it) and its Kaplan-Meier summary, computed as the analysis computes every curve.</summary>
public sealed record FactorGroup(string Label, SurvivalSummary Summary);

/// <summary>PFS or OS split by a factor: one curve per level, and the log-rank test across them (null where untestable).</summary>
public sealed record SurvivalByFactor(string Factor, string Label, IReadOnlyList<FactorGroup> Groups, LogRankResult? LogRank);

/// <summary>
/// Kaplan-Meier curves by a factor of the study (a plan's covariate, the arm, sex, ECOG): the survival summaries in the
/// profile's methods (<see cref="StudyAnalysis"/>'s own), and R's survdiff log-rank test across the levels. A continuous
/// factor (age, a lab value) has no levels to split by and gives none.
/// </summary>
public static class FactorCurves
{
    public static SurvivalByFactor? Pfs(IReadOnlyList<AnalysisSubject> subjects, string factor, IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates, AnalysisProfile profile) =>
        Of(subjects, factor, arms, covariates, profile, StudyAnalysis.Pfs);

    public static SurvivalByFactor? Os(IReadOnlyList<AnalysisSubject> subjects, string factor, IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates, AnalysisProfile profile) =>
        Of(subjects, factor, arms, covariates, profile, StudyAnalysis.Os);

    /// <summary>The levels of a factor in their order (the reference first), each a label and who is in it, under the factor's label from <see cref="Labels"/>; null for a continuous factor.</summary>
    public static (string Label, IReadOnlyList<(string Level, Func<AnalysisSubject, bool> Member)> Levels)? Levels(string factor, IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates)
    {
        switch (factor)
        {
            case Factors.Sex: return (Labels.Factor(factor, covariates), [("Male", s => s.Sex == "M"), ("Female", s => s.Sex == "F")]);
            case Factors.Ecog: return (Labels.Factor(factor, covariates), [("0", s => s.Ecog == 0), (">= 1", s => s.Ecog >= 1)]);
            case Factors.Arm: return (Labels.Factor(factor, covariates), arms.Select(a => (a.Name, (Func<AnalysisSubject, bool>)(s => Factors.Same(s.Arm, a.Code)))).ToList());
        }
        if (covariates.FirstOrDefault(c => c.Name == factor) is not { } covariate) return null;
        return covariate.Kind switch
        {
            CovariateKind.Binary => (Labels.Factor(factor, covariates), [("No", s => Factors.Flag(s, factor) == false), ("Yes", s => Factors.Flag(s, factor) == true)]),
            CovariateKind.Categorical => (Labels.Factor(factor, covariates), covariate.Levels.Select(l => (l.Label, (Func<AnalysisSubject, bool>)(s => Factors.Same(Factors.Code(s, factor), l.Code)))).ToList()),
            _ => null,
        };
    }

    private static SurvivalByFactor? Of(IReadOnlyList<AnalysisSubject> subjects, string factor, IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates, AnalysisProfile profile, StudyAnalysis.Endpoint endpoint)
    {
        if (Levels(factor, arms, covariates) is not { } split) return null;
        var groups = split.Levels.Select(l => (l.Level, Members: subjects.Where(s => l.Member(s) && endpoint(s) is not null).ToList()))
            .Where(g => g.Members.Count > 0).ToList();
        var timed = groups.SelectMany(g => g.Members.Select(s => (g.Level, Endpoint: endpoint(s)!.Value))).ToList();
        var logRank = groups.Count >= 2 && timed.Any(t => t.Endpoint.Event)
            ? LogRank.Test(timed.Select(t => t.Endpoint.Months).ToList(), timed.Select(t => t.Endpoint.Event).ToList(), timed.Select(t => t.Level).ToList())
            : null;
        return new SurvivalByFactor(factor, split.Label, groups.Select(g => new FactorGroup(g.Level, StudyAnalysis.Survival(g.Members, endpoint, profile))).ToList(), logRank);
    }
}
