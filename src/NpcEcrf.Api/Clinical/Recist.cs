using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Clinical;

public enum Response { CR, PR, SD, PD, NE }

/// <summary>One follow-up visit as RECIST 1.1 reads it (SDTM RS: TRGRESP, NTRGRESP, OVRLRESP).</summary>
public sealed record VisitResponse(
    string AssessmentId, DateOnly Date, decimal? SumMm, decimal? ChangeFromBaselinePercent, decimal? ChangeFromNadirPercent,
    Response Target, NonTargetStatus NonTarget, bool NewLesions, Response Overall);

/// <summary>The best overall response and the visits that produced it (BESTRESP).</summary>
public sealed record BestResponse(Response Response, IReadOnlyList<string> AssessmentIds);

/// <summary>RECIST 1.1 as pure functions of the entered measurements (../shared/docs/clinical-rules.md).</summary>
public static class Recist
{
    public const int MaxTargets = 5;
    public const int MaxTargetsPerOrgan = 2;
    public const decimal MeasurableMm = 10m;
    public const decimal MeasurableNodeMm = 15m;
    public const decimal NormalNodeMm = 10m;

    /// <summary>Baseline size and count rules, each finding named by its field.</summary>
    public static IEnumerable<(string Field, string Message)> BaselineFindings(IReadOnlyList<TargetLesion> targets)
    {
        if (targets.Count > MaxTargets) yield return ("targets", $"At most {MaxTargets} target lesions.");
        foreach (var organ in targets.Where(t => !t.Nodal).GroupBy(t => t.Organ.Trim().ToLowerInvariant()).Where(g => g.Count() > MaxTargetsPerOrgan))
            yield return ("targets", $"At most {MaxTargetsPerOrgan} target lesions per organ ({organ.Key}).");
        if (targets.Count(t => t.Nodal) > MaxTargetsPerOrgan)
            yield return ("targets", $"At most {MaxTargetsPerOrgan} lymph-node target lesions.");
        for (var i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            if (t.Nodal && t.DiameterMm < MeasurableNodeMm)
                yield return ($"targets[{i}].diameterMm", $"A target lymph node needs a short axis of at least {MeasurableNodeMm} mm.");
            if (!t.Nodal && t.DiameterMm < MeasurableMm)
                yield return ($"targets[{i}].diameterMm", $"A measurable lesion needs a longest diameter of at least {MeasurableMm} mm.");
        }
    }

    /// <summary>Per-visit responses in date order; each visit's nadir is the smallest sum before it, baseline included.</summary>
    public static IReadOnlyList<VisitResponse> Evaluate(BaselineLesionsRecorded baseline, IEnumerable<TumourAssessed> visits)
    {
        var baselineSum = baseline.Targets.Sum(t => t.DiameterMm);
        var nadir = baselineSum;
        var results = new List<VisitResponse>();
        foreach (var visit in visits.OrderBy(v => v.Date))
        {
            var diameters = baseline.Targets.Select(t => (t.Nodal, Mm: visit.TargetDiametersMm.GetValueOrDefault(t.LesionId))).ToList();
            var evaluated = diameters.All(d => d.Mm is not null);
            decimal? sum = evaluated ? diameters.Sum(d => d.Mm!.Value) : null;
            var target = sum is { } s ? TargetResponse(diameters.Select(d => (d.Nodal, d.Mm!.Value)).ToList(), s, baselineSum, nadir) : Response.NE;
            results.Add(new VisitResponse(visit.AssessmentId, visit.Date, sum,
                sum is { } s1 ? Percent(s1, baselineSum) : null, sum is { } s2 ? Percent(s2, nadir) : null,
                target, visit.NonTarget, visit.NewLesions, Overall(target, visit.NonTarget, visit.NewLesions)));
            if (sum is { } measured && measured < nadir) nadir = measured;
        }
        return results;
    }

    public static Response TargetResponse(IReadOnlyList<(bool Nodal, decimal Mm)> lesions, decimal sum, decimal baselineSum, decimal nadir)
    {
        if (lesions.All(l => l.Nodal ? l.Mm < NormalNodeMm : l.Mm == 0)) return Response.CR;
        if (sum >= nadir * 1.2m && sum - nadir >= 5m) return Response.PD;
        if (sum <= baselineSum * 0.7m) return Response.PR;
        return Response.SD;
    }

    /// <summary>The overall-response table of RECIST 1.1 for patients with target disease.</summary>
    public static Response Overall(Response target, NonTargetStatus nonTarget, bool newLesions) =>
        (target, nonTarget, newLesions) switch
        {
            (_, _, true) => Response.PD,
            (Response.PD, _, _) => Response.PD,
            (_, NonTargetStatus.PD, _) => Response.PD,
            (Response.CR, NonTargetStatus.CR, _) => Response.CR,
            (Response.CR, _, _) => Response.PR,
            (Response.PR, _, _) => Response.PR,
            (Response.SD, _, _) => Response.SD,
            _ => Response.NE,
        };

    /// <summary>
    /// Best overall response up to the first progression. Where the protocol requires confirmation, CR/PR need a
    /// confirming CR (or PR/CR for PR) at least the confirmation interval later; where it does not, one CR/PR visit is
    /// enough. Otherwise SD when a non-progressive visit came at least the SD minimum after the first dose; otherwise
    /// PD if progression was seen, else NE.
    /// </summary>
    public static BestResponse Best(DateOnly firstDose, IReadOnlyList<VisitResponse> visits, Studies.RecistSettings settings)
    {
        var firstPd = visits.ToList().FindIndex(v => v.Overall == Response.PD);
        var considered = firstPd >= 0 ? visits.Take(firstPd + 1).ToList() : visits.ToList();

        BestResponse? Confirmed(Response response, params Response[] confirmers)
        {
            foreach (var v in considered.Where(v => v.Overall == response))
            {
                if (!settings.ConfirmationRequired) return new BestResponse(response, [v.AssessmentId]);
                if (considered.FirstOrDefault(later => later.Date.DayNumber - v.Date.DayNumber >= settings.ConfirmationDays && confirmers.Contains(later.Overall)) is { } c)
                    return new BestResponse(response, [v.AssessmentId, c.AssessmentId]);
            }
            return null;
        }

        return Confirmed(Response.CR, Response.CR)
            ?? Confirmed(Response.PR, Response.PR, Response.CR)
            ?? (considered.FirstOrDefault(v => v.Overall is Response.CR or Response.PR or Response.SD
                    && v.Date.DayNumber - firstDose.DayNumber >= settings.StableDiseaseMinimumDays) is { } sd
                ? new BestResponse(Response.SD, [sd.AssessmentId])
                : firstPd >= 0 ? new BestResponse(Response.PD, [visits[firstPd].AssessmentId])
                : new BestResponse(Response.NE, []));
    }

    /// <summary>The date of the first assessment whose overall response is PD.</summary>
    public static DateOnly? FirstProgression(IReadOnlyList<VisitResponse> visits) => visits.FirstOrDefault(v => v.Overall == Response.PD)?.Date;

    private static decimal Percent(decimal value, decimal reference) =>
        reference == 0 ? 0 : Math.Round((value - reference) / reference * 100m, 1, MidpointRounding.AwayFromZero);
}
