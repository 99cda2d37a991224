using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>What the statistics engine fits from ADaM alone: the KM medians of PFS and OS and the multivariate PFS Cox model.</summary>
public sealed record AdamFit(QuantileEstimate PfsMedian, QuantileEstimate OsMedian, CoxResult PfsCox);

/// <summary>
/// Refits the lock's survival numbers from ADTTE (and ADSL covariates) rows only, as an outside statistician would from the
/// files: months = AVAL / 30.4375, event = CNSR 0. Agreement with the lock's analysis shows the datasets carry what it used.
/// </summary>
public static class AdamCrossCheck
{
    /// <param name="pfsCovariates">ADSL variables of the PFS model: numbers per unit, "Y"/"N" flags as 1/0.</param>
    public static AdamFit Fit(Dataset adsl, Dataset adtte, AnalysisProfile profile, IReadOnlyList<string> pfsCovariates, Ties ties)
    {
        var subject = adsl.IndexOf("USUBJID");
        var bySubject = adsl.Rows.ToDictionary(r => (string)r[subject]!);
        var columns = pfsCovariates.Select(name => adsl.IndexOf(name) is >= 0 and var i ? i : throw new ArgumentException($"ADSL has no variable {name}.")).ToList();

        var pfs = Parameter(adtte, Adtte.Pfs);
        var modelled = pfs.Select(p => (p.Months, p.Event, X: columns.Select(c => Number(bySubject[p.Usubjid][c])).ToArray()))
            .Where(p => p.X.All(x => x is not null)).ToList();
        var cox = Cox.Fit(modelled.Select(p => p.Months).ToList(), modelled.Select(p => p.Event).ToList(),
            modelled.Select(p => p.X.Select(x => x!.Value).ToArray()).ToList(), pfsCovariates, ties);
        return new AdamFit(Median(pfs, profile), Median(Parameter(adtte, Adtte.Os), profile), cox);
    }

    private static QuantileEstimate Median(IReadOnlyList<(string Usubjid, double Months, bool Event)> rows, AnalysisProfile profile) =>
        KaplanMeier.Fit(rows.Select(r => r.Months).ToList(), rows.Select(r => r.Event).ToList(), profile.ConfType).Median(profile.Median);

    private static List<(string Usubjid, double Months, bool Event)> Parameter(Dataset adtte, string paramcd)
    {
        int At(string name) => adtte.IndexOf(name);
        var (subject, param, aval, cnsr) = (At("USUBJID"), At("PARAMCD"), At("AVAL"), At("CNSR"));
        return adtte.Rows.Where(r => (string?)r[param] == paramcd)
            .Select(r => ((string)r[subject]!, Adtte.Months(Convert.ToInt32(r[aval])), Convert.ToInt32(r[cnsr]) == 0)).ToList();
    }

    private static double? Number(object? value) => value switch
    {
        null => null,
        "Y" => 1,
        "N" => 0,
        string other => throw new ArgumentException($"'{other}' is neither a number nor a Y/N flag."),
        _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
