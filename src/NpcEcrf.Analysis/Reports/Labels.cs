namespace NpcEcrf.Analysis;

/// <summary>
/// The one catalogue of human labels: every internal name a report, a figure or the JSON's "label" fields shows (method
/// enums, profiles, populations, factors, responses, endpoints) is printed through it, never as the name itself.
/// </summary>
public static class Labels
{
    public static string Profile(string name) => name switch
    {
        "paper" => "Paper (SPSS conventions)",
        "r" => "R (survival package)",
        _ => name,
    };

    public static string Median(MedianMethod m) => m switch
    {
        MedianMethod.Spss => "SPSS (Collett)",
        _ => "R (quantile.survfit)",
    };

    public static string Band(ConfType c) => c switch
    {
        ConfType.Plain => "plain",
        ConfType.Log => "log",
        _ => "log-log",
    };

    public static string TiesMethod(Ties t) => t switch
    {
        Ties.Breslow => "Breslow",
        _ => "Efron",
    };

    public static string Proportion(ProportionMethod m) => m switch
    {
        ProportionMethod.T => "mean of 0/1 indicator, SD with n-1, t(n-1) quantile (SPSS)",
        ProportionMethod.Wald => "Wald",
        ProportionMethod.Wilson => "Wilson score",
        _ => "Clopper-Pearson exact",
    };

    /// <summary>The methods line of a report: "Median: SPSS (Collett); band: log; ties: Breslow".</summary>
    public static string Methods(AnalysisProfile profile, Ties ties) =>
        $"Proportions: {Proportion(profile.Proportion)}; median: {Median(profile.Median)}; band: {Band(profile.ConfType)}; ties: {TiesMethod(ties)}";

    public static string Population(Population p) => p switch
    {
        Analysis.Population.Enrolled => "Enrolled set",
        Analysis.Population.Treated => "Safety set",
        _ => "Efficacy-evaluable set",
    };

    public static string Emergence(TreatmentEmergence t) => t switch
    {
        TreatmentEmergence.Onset => "onset on or after the first dose",
        _ => "onset on or after the first dose, or a pre-existing event that worsened on or after it",
    };

    /// <summary>"Safety set, n = 28".</summary>
    public static string Set(Population p, int n) => $"{Population(p)}, n = {n}";

    public static string Response(string code) => code switch
    {
        "CR" => "Complete response (CR)",
        "PR" => "Partial response (PR)",
        "SD" => "Stable disease (SD)",
        "PD" => "Progressive disease (PD)",
        _ => "Not evaluable (NE)",
    };

    public static string Endpoint(string code) => code switch
    {
        "PFS" => "Progression-free survival",
        "OS" => "Overall survival",
        _ => code,
    };

    /// <summary>A factor by its name in a plan: the core demographics and the arm by their labels, a covariate by its question in the definition.</summary>
    public static string Factor(string name, IReadOnlyList<Covariate> covariates) => name switch
    {
        Factors.Age => "Age",
        Factors.Sex => "Sex",
        Factors.Ecog => "ECOG performance status",
        Factors.Arm => "Treatment arm",
        _ => covariates.FirstOrDefault(c => c.Name == name)?.Label ?? Humanise(name),
    };

    /// <summary>A factor's column in a model: the factor's label, with its comparison ("Liver metastases (yes vs no)").</summary>
    public static string Column(string factor, string comparison, IReadOnlyList<Covariate> covariates) => $"{Factor(factor, covariates)} ({comparison})";

    /// <summary>A name no catalogue entry knows ("form.someItem"): its last part, words split and lower-cased after the first.</summary>
    public static string Humanise(string name)
    {
        var last = name[(name.LastIndexOf('.') + 1)..].Replace('-', ' ').Replace('_', ' ');
        var words = System.Text.RegularExpressions.Regex.Replace(last, "(?<=[a-z0-9])(?=[A-Z])", " ").ToLowerInvariant().Trim();
        return words.Length == 0 ? name : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
