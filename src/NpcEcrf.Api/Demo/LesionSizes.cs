using NpcEcrf.Api.Clinical;

namespace NpcEcrf.Api.Demo;

/// <summary>One scan of the target lesions: each lesion's diameter (mm, in baseline order) and whether a new lesion was seen.</summary>
public sealed record LesionScan(decimal[] DiametersMm, bool NewLesions);

/// <summary>
/// Varied, realistic target-lesion measurements for the demos' patients, consistent with RECIST 1.1 and with each
/// patient's best overall response and progression scan (docs/demo.md):
/// - a partial response shrinks the sum by 34-60% (a first scan halfway, then the full depth, then a plateau), so
///   that it is confirmed by the next scan;
/// - stable disease changes the sum by -26% to +12% and stays within 20% of the nadir;
/// - progression, at the scan that shows it, is 25-55% above the nadir and at least 6 mm more, or, for some, a new
///   lesion with the targets little changed;
/// - no lesion grows by 80% or more between two scans (the demos' lesion-growth soft check stays quiet).
/// Every scan is read back through <see cref="Recist.TargetResponse"/>; a course that would not give the intended
/// response is an error of the generator, not data.
/// </summary>
public static class LesionSizes
{
    public enum Course { PartialResponse, StableDisease, Progression }

    /// <param name="baselineMm">The baseline diameters (a node's short axis), in order.</param>
    /// <param name="nodal">Which baseline lesions are lymph nodes.</param>
    /// <param name="scans">How many follow-up scans the patient has.</param>
    /// <param name="progressesAtLast">The last scan is the progression scan (else the patient is censored at it).</param>
    /// <param name="seed">Makes each patient's course its own, the same on every run.</param>
    public static IReadOnlyList<LesionScan> Scans(decimal[] baselineMm, bool[] nodal, Course course, int scans, bool progressesAtLast, int seed)
    {
        var random = new Random(seed);
        double Between(double lo, double hi) => lo + random.NextDouble() * (hi - lo);
        var depth = course switch
        {
            Course.PartialResponse => Between(-0.60, -0.34),
            Course.StableDisease => Between(-0.26, 0.12),
            _ => 0.0,
        };
        var newLesionAtProgression = random.NextDouble() < (course == Course.Progression ? 0.35 : 0.25);
        var growth = (decimal)Between(1.25, 1.55);
        var baselineSum = baselineMm.Sum();
        var result = new List<LesionScan>();
        var previous = baselineMm;
        var nadir = baselineSum;
        for (var k = 1; k <= scans; k++)
        {
            var progression = k == scans && progressesAtLast;
            var halfway = course == Course.PartialResponse && k == 1 && scans > 2;
            // What this scan must read: progression (by the targets, or by a new lesion), a partial response (the first
            // scan of one may still read stable), or stable disease.
            Response[] allowed = progression ? newLesionAtProgression ? [Response.PR, Response.SD, Response.PD] : [Response.PD]
                : course == Course.PartialResponse ? halfway ? [Response.SD, Response.PR] : [Response.PR]
                : course == Course.StableDisease ? [Response.SD]
                : throw new InvalidOperationException("A course of progression has only its progression scan.");
            bool Reads(decimal[] mm) => allowed.Contains(Recist.TargetResponse(mm.Zip(nodal, (d, n) => (n, d)).ToList(), mm.Sum(), baselineSum, nadir))
                && mm.Zip(previous).All(p => (p.First - p.Second) / p.Second < 0.8m);
            decimal[] mm = progression
                ? newLesionAtProgression ? previous : Scale(previous, Math.Max(nadir * growth, nadir + 6))
                : Scale(baselineMm, baselineSum * (decimal)(1 + depth * (halfway ? 0.5 : 1.0)));
            // A plateau drifts by a millimetre from scan to scan, where that still reads the same.
            var drifted = mm.Select((d, i) => i == 0 ? Math.Max(1, d + random.Next(-1, 2)) : d).ToArray();
            if ((k > 2 || progression && newLesionAtProgression) && Reads(drifted)) mm = drifted;
            if (!Reads(mm))
                throw new InvalidOperationException($"Lesion course {string.Join(" -> ", result.Select(r => r.DiametersMm.Sum()).Prepend(baselineSum).Append(mm.Sum()))} mm ({course}, scan {k}) does not read {string.Join(" or ", allowed)}.");
            result.Add(new LesionScan(mm, progression && newLesionAtProgression));
            nadir = Math.Min(nadir, mm.Sum());
            previous = mm;
        }
        return result;
    }

    /// <summary>Diameters scaled to a target sum, whole millimetres, every lesion still measurable (at least 1 mm).</summary>
    private static decimal[] Scale(decimal[] from, decimal targetSum)
    {
        var factor = targetSum / from.Sum();
        return from.Select(d => Math.Max(1, Math.Round(d * factor, MidpointRounding.AwayFromZero))).ToArray();
    }

    /// <summary>A baseline diameter within [<paramref name="min"/>, <paramref name="max"/>] mm, the same for a patient on every run.</summary>
    public static decimal Baseline(int seed, int min, int max) => new Random(seed).Next(min, max + 1);
}
