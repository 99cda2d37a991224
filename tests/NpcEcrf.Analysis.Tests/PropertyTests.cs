using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace NpcEcrf.Analysis.Tests;

/// <summary>Invariants that must hold on any data.</summary>
public class PropertyTests
{
    private static Arbitrary<(double Time, bool Event)[]> Samples() =>
        Gen.Sized(size => Gen.ArrayOf(Gen.Zip(Gen.Choose(1, 40).Select(t => t / 2.0), Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))), Math.Max(size, 5)))
            .ToArbitrary();

    [Property(MaxTest = 200)]
    public Property survival_never_increases_and_the_bands_contain_it() => Prop.ForAll(Samples(), sample =>
    {
        foreach (var type in new[] { ConfType.Plain, ConfType.Log, ConfType.LogLog })
        {
            var table = KaplanMeier.Fit(sample.Select(s => s.Time).ToList(), sample.Select(s => s.Event).ToList(), type).Table;
            for (var i = 1; i < table.Count; i++)
                if (table[i].Survival > table[i - 1].Survival + 1e-15) return false;
            if (table.Any(r => r.Lower is { } l && r.Upper is { } u && (l > r.Survival + 1e-12 || u < r.Survival - 1e-12))) return false;
        }
        return true;
    });

    private static Arbitrary<(double Time, bool Event, double X1, double X2)[]> CoxSamples() =>
        Gen.Choose(20, 60).SelectMany(n => Gen.ArrayOf(
            from t in Gen.Choose(1, 15) from e in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            from x1 in Gen.Choose(-20, 20) from x2 in Gen.Choose(0, 1)
            select ((double)t, e, x1 / 10.0, (double)x2), n)).ToArbitrary();

    private static CoxResult Fit((double Time, bool Event, double X1, double X2)[] rows, Ties ties) =>
        Cox.Fit(rows.Select(r => r.Time).ToList(), rows.Select(r => r.Event).ToList(), rows.Select(r => new[] { r.X1, r.X2 }).ToList(), ["x1", "x2"], ties);

    private static bool Usable((double Time, bool Event, double X1, double X2)[] rows) =>
        rows.Count(r => r.Event) >= 3 && rows.Select(r => r.X1).Distinct().Count() > 1 && rows.Select(r => r.X2).Distinct().Count() > 1;

    [Property(MaxTest = 100)]
    public Property cox_estimates_do_not_depend_on_row_order() => Prop.ForAll(CoxSamples(), rows =>
    {
        if (!Usable(rows)) return true;
        var fit = Fit(rows, Ties.Efron);
        if (!fit.Converged || fit.Warnings.Count > 0) return true;
        var shuffled = Fit(rows.Reverse().OrderBy(r => r.X1 * 7919 % 13).ToArray(), Ties.Efron);
        return fit.Coefficients.Zip(shuffled.Coefficients).All(p => Math.Abs(p.First.Coef - p.Second.Coef) < 1e-8 * Math.Max(1, Math.Abs(p.First.Coef)));
    });

    [Property(MaxTest = 100)]
    public Property negating_a_covariate_flips_its_coefficient() => Prop.ForAll(CoxSamples(), rows =>
    {
        if (!Usable(rows)) return true;
        var fit = Fit(rows, Ties.Breslow);
        if (!fit.Converged || fit.Warnings.Count > 0) return true;
        var negated = Fit(rows.Select(r => (r.Time, r.Event, -r.X1, r.X2)).ToArray(), Ties.Breslow);
        return Math.Abs(fit.Coefficients[0].Coef + negated.Coefficients[0].Coef) < 1e-8 * Math.Max(1, Math.Abs(fit.Coefficients[0].Coef))
            && Math.Abs(fit.Coefficients[1].Coef - negated.Coefficients[1].Coef) < 1e-8 * Math.Max(1, Math.Abs(fit.Coefficients[1].Coef));
    });
}
