using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Analyses;

/// <summary>Which frozen data an analysis is of: a lock (name, hash) or an unpersisted as-of snapshot.</summary>
public sealed record AnalysisSource(string Kind, string? LockName, string? LockHash, DateOnly Cutoff, long HighWaterMark, DateTimeOffset? AsOf);

/// <summary>An analysis with everything needed to reproduce it: source, profile, plan and methods.</summary>
/// <param name="CtcaeVersion">The CTCAE version of the study's adverse-event terms, as its definition says.</param>
public sealed record AnalysisReport(AnalysisSource Source, AnalysisProfile Profile, AnalysisPlan? Plan, StudyAnalysisResult Result, IReadOnlyList<AnalysisSubject> Subjects, DateTimeOffset GeneratedAt,
    string CtcaeVersion)
{
    /// <summary>The study analysed (printed in the PDF's page headers).</summary>
    public string? StudyId { get; init; }

    public static AnalysisReport Of(CohortSnapshot snapshot, AnalysisSource source, AnalysisProfile profile, AnalysisPlan? plan, DateTimeOffset now)
    {
        var dataset = Dataset(snapshot);
        return new AnalysisReport(source, profile, plan, StudyAnalysis.Run(dataset, profile, plan), dataset.Subjects, now, snapshot.Definition.AdverseEvents.CtcaeVersion)
            { StudyId = snapshot.StudyId };
    }

    /// <summary>The snapshot as the analysis sees it: arms and covariates from the definition version in force at the cut-off.</summary>
    public static AnalysisDataset Dataset(CohortSnapshot snapshot)
    {
        var covariates = StudyCovariates.Of(snapshot.Definition);
        var subjects = snapshot.Subjects.Select(s => ToAnalysis(s, covariates)).ToList();
        // Every term reported, in the definition's order; a term of another version (added or retired by an amendment) follows.
        var reported = subjects.SelectMany(s => s.WorstGradeByTerm.Keys).ToHashSet();
        var terms = snapshot.Definition.AdverseEvents.Terms.Select(t => t.Term).Where(reported.Contains)
            .Concat(reported.Where(t => snapshot.Definition.AdverseEvents.Terms.All(d => d.Term != t)).Order(StringComparer.Ordinal)).ToList();
        return new AnalysisDataset(subjects, StudyCovariates.Arms(snapshot.Definition), covariates, terms);
    }

    /// <summary>The snapshot's subject as the analysis dataset sees it (months = days / 30.4375).</summary>
    public static AnalysisSubject ToAnalysis(SubjectSnapshot s, IReadOnlyList<Covariate> covariates) => new(
        s.SubjectNumber, s.SiteId, s.Arm, s.Age, s.Sex, s.Ecog,
        covariates.ToDictionary(c => c.Name, c => StudyCovariates.Value(c, s.Baseline.GetValueOrDefault(c.Name))),
        s.CyclesCompleted, s.DoseChanges.Count(d => d.ToDose < d.FromDose), s.DoseIntensity, s.BestOverallResponse?.ToString(), (double?)s.BestPercentChange,
        s.Pfs?.Months, s.Pfs?.Event == true, s.Os?.Months, s.Os?.Event == true,
        s.FirstDoseDate is { } first && s.LastDoseDate is { } last ? (last.DayNumber - first.DayNumber + 1) / TimeToEvent.DaysPerMonth : 0,
        s.FirstDoseDate is not null && s.DiscontinuationDate is null && s.Os?.Event != true, s.DiscontinuationReason ?? (s.Os?.Event == true ? "Death" : null),
        s.AdverseEvents.ToDictionary(a => a.Term, a => a.WorstGrade),
        FirstResponseMonths: MonthsTo(s, s.Responses.TakeWhile(v => v.Overall != Response.PD).FirstOrDefault(v => v.Overall is Response.CR or Response.PR)?.Date),
        ProgressionMonths: MonthsTo(s, Recist.FirstProgression(s.Responses)));

    /// <summary>Months from the first dose to a date, as ADTTE counts them (days = date - first dose + 1).</summary>
    private static double? MonthsTo(SubjectSnapshot s, DateOnly? date) =>
        s.FirstDoseDate is { } first && date is { } d ? TimeToEvent.Of(first, d, false, "").Months : null;

    /// <summary>
    /// The JSON document: the analysis, with the keys and shapes of the seed paper's facts file where they
    /// overlap (at full precision), and the source, profile, plan and methods.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = JsonSerializer.SerializeToNode(Result, CasebookJson.Options)!.AsObject();
        json["lock"] = Source.LockName is null ? null : new JsonObject { ["name"] = Source.LockName, ["cutoff"] = Source.Cutoff.ToString("yyyy-MM-dd"), ["hash"] = Source.LockHash, ["highWaterMark"] = Source.HighWaterMark };
        json["source"] = JsonSerializer.SerializeToNode(Source, CasebookJson.Options);
        json["methods"] = new JsonObject
        {
            ["profile"] = Profile.Name, ["proportion"] = StudyAnalysis.MethodName(Profile.Proportion), ["median"] = Profile.Median.ToString(),
            ["survivalBand"] = Profile.ConfType.ToString(), ["coxTies"] = (Plan?.Ties ?? Profile.Ties).ToString(),
            ["timeToEvent"] = "ADTTE: origin first dose; days = date - origin + 1; months = days / 30.4375",
        };
        json["plan"] = Plan is null ? null : JsonSerializer.SerializeToNode(Plan, CasebookJson.Options);
        json["generatedAt"] = GeneratedAt.UtcDateTime.ToString("O");
        if (Result.CoxPfsMultivariate is { } model)
        {
            var cox = new JsonObject { ["ties"] = model.Ties, ["plan"] = model.Plan, ["waldCi"] = true };
            foreach (var c in model.Coefficients)
                cox[c.Name] = new JsonObject { ["hr"] = c.Hr, ["ci95"] = new JsonArray(c.HrLower, c.HrUpper), ["p"] = c.P, ["coef"] = c.Coef, ["se"] = c.Se };
            cox["warnings"] = new JsonArray(model.Warnings.Select(w => (JsonNode?)w).ToArray());
            json["coxPfsMultivariate"] = cox;
        }
        var adverse = new JsonObject { ["columns"] = new JsonArray(["all", .. AdverseEventRow.Grades.Select(g => (JsonNode?)$"g{g}")]) };
        foreach (var row in Result.AdverseEventTable)
            adverse[row.Term] = new JsonArray([row.AnyGrade.N, .. row.ByGrade().Select(c => (JsonNode?)c.N)]);
        json["adverseEvents"] = adverse;
        json["subjects"] = JsonSerializer.SerializeToNode(Subjects, CasebookJson.Options);
        return JsonNodes.WithoutNonFinite(json);
    }
}
