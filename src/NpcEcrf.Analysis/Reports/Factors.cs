using System.Globalization;

namespace NpcEcrf.Analysis;

/// <summary>One column of a Cox design: what it compares, and a subject's value (null where the subject has none).</summary>
public sealed record FactorColumn(string Comparison, Func<AnalysisSubject, double?> Value);

/// <summary>A factor a Cox model may use: one column, or one per non-reference level of a categorical factor.</summary>
public sealed record Factor(string Name, string Label, IReadOnlyList<FactorColumn> Columns)
{
    /// <summary>The name of a column in a model: the factor's, with the comparison where the factor has several columns.</summary>
    public string ColumnName(FactorColumn column) => Columns.Count > 1 ? $"{Name} ({column.Comparison})" : Name;
}

/// <summary>
/// The factors of a study, derived from its definition: the core demographics (age per year, sex F vs M, ECOG &gt;= 1
/// vs 0), the arm where there are several, and each baseline covariate by its kind.
/// </summary>
public static class Factors
{
    public const string Age = "age", Sex = "sex", Ecog = "ecog", Arm = "arm";

    public static IReadOnlyList<Factor> Of(IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates)
    {
        var factors = new List<Factor>
        {
            new(Age, Labels.Factor(Age, covariates), [new("per year", s => s.Age)]),
            new(Sex, Labels.Factor(Sex, covariates), [new("F vs M", s => s.Sex switch { "F" => 1, "M" => 0, _ => null })]),
            new(Ecog, Labels.Factor(Ecog, covariates), [new(">=1 vs 0", s => s.Ecog is null ? null : s.Ecog >= 1 ? 1 : 0)]),
        };
        if (arms.Count > 1)
            factors.Add(Categorical(Arm, Labels.Factor(Arm, covariates), arms.Select(a => new CovariateLevel(a.Code, a.Name)).ToList(), arms[0].Code, s => s.Arm));
        foreach (var c in covariates)
            factors.Add(c.Kind switch
            {
                CovariateKind.Binary => new Factor(c.Name, c.Label, [new("yes vs no", s => Flag(s, c.Name) is { } b ? b ? 1 : 0 : null)]),
                CovariateKind.Continuous => new Factor(c.Name, c.Label, [new($"per {c.Unit ?? "unit"}", s => Number(s, c.Name))]),
                _ => Categorical(c.Name, c.Label, c.Levels, c.Reference ?? c.Levels[0].Code, s => Code(s, c.Name)),
            });
        return factors;
    }

    /// <summary>The names a plan may use: the core demographics, the arm where there are several, and the covariates.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<StudyArm> arms, IReadOnlyList<Covariate> covariates) =>
        Of(arms, covariates).Select(f => f.Name).ToList();

    private static Factor Categorical(string name, string label, IReadOnlyList<CovariateLevel> levels, string reference, Func<AnalysisSubject, string?> code) =>
        new(name, label, levels.Where(l => !Same(l.Code, reference)).Select(level => new FactorColumn($"{level.Code} vs {reference}", s =>
            code(s) is { } value && levels.Any(l => Same(l.Code, value)) ? Same(value, level.Code) ? 1 : 0 : null)).ToList());

    /// <summary>
    /// The columns a model of these subjects can estimate: a level nobody has is left out; a categorical factor whose
    /// reference nobody has cannot be compared with it at all. What is left out is said.
    /// </summary>
    public static (IReadOnlyList<FactorColumn> Columns, IReadOnlyList<string> LeftOut) Estimable(Factor factor, IReadOnlyList<AnalysisSubject> subjects)
    {
        var varying = factor.Columns.Where(c => subjects.Select(c.Value).Distinct().Count() > 1).ToList();
        var leftOut = factor.Columns.Except(varying).Select(c => $"{factor.Label}: {c.Comparison} does not vary among the {subjects.Count} subjects; left out.").ToList();
        if (varying.Count > 1 && !subjects.Any(s => varying.All(c => c.Value(s) == 0)))
            return ([], [$"{factor.Label}: no subject is at the reference level; left out."]);
        return (varying, leftOut);
    }

    public static bool? Flag(AnalysisSubject s, string name) => s.Covariates.GetValueOrDefault(name) as bool?;

    public static double? Number(AnalysisSubject s, string name) => s.Covariates.GetValueOrDefault(name) switch
    {
        bool or string or null => null,
        IConvertible n => n.ToDouble(CultureInfo.InvariantCulture),
        _ => null,
    };

    public static string? Code(AnalysisSubject s, string name) => s.Covariates.GetValueOrDefault(name) switch
    {
        string text => text,
        IConvertible other and not bool => other.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    public static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
