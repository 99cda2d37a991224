using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Analyses;

/// <summary>Which frozen data an analysis is of: a lock (name, hash, soft or hard) or an unpersisted as-of snapshot.</summary>
/// <param name="LockKind">"soft" or "hard" for a lock; null for as-of.</param>
public sealed record AnalysisSource(string Kind, string? LockName, string? LockHash, DateOnly Cutoff, long HighWaterMark, DateTimeOffset? AsOf, string? LockKind = null);

/// <summary>
/// The state of the data at the lock (as the snapshot froze it): how much was still open when it was taken. An interim
/// analysis of a soft lock says so.
/// </summary>
/// <param name="UnverifiedForms">Forms entered but not verified by a monitor; null for snapshots taken before it was kept.</param>
public sealed record DataStatus(int Subjects, int OpenQueries, int SubjectsWithOpenQueries, int UnsignedCasebooks, int VoidedCasebooks, int? UnverifiedForms)
{
    public static DataStatus Of(CohortSnapshot snapshot) => new(
        snapshot.Subjects.Count, snapshot.Subjects.Sum(s => s.OpenQueries), snapshot.Subjects.Count(s => s.OpenQueries > 0),
        snapshot.Subjects.Count(s => s.Signature == SignatureState.Unsigned), snapshot.Subjects.Count(s => s.Signature == SignatureState.Voided),
        snapshot.Subjects.Any(s => s.UnverifiedForms is null) ? null : snapshot.Subjects.Sum(s => s.UnverifiedForms!.Value));

    /// <summary>Nothing open: every casebook signed, every query closed, every form verified.</summary>
    public bool Clean => OpenQueries == 0 && UnsignedCasebooks == 0 && VoidedCasebooks == 0 && UnverifiedForms == 0;
}

/// <summary>An analysis with everything needed to reproduce it: source, profile, plan and methods, and its provenance.</summary>
/// <param name="CtcaeVersion">The CTCAE version of the study's adverse-event terms, as its definition says.</param>
/// <param name="DefinitionVersion">The study definition's version in force at the cut-off (null where not known).</param>
/// <param name="Status">The data status at the lock (null where not known).</param>
public sealed record AnalysisReport(AnalysisSource Source, AnalysisProfile Profile, AnalysisPlan? Plan, StudyAnalysisResult Result, IReadOnlyList<AnalysisSubject> Subjects, DateTimeOffset GeneratedAt,
    string CtcaeVersion, int? DefinitionVersion = null, DataStatus? Status = null)
{
    /// <summary>The product's version (the assembly's informational version), printed with every analysis.</summary>
    public static readonly string SoftwareVersion =
        typeof(AnalysisReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AnalysisReport).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The study analysed (printed in the PDF's page headers).</summary>
    public string? StudyId { get; init; }

    public static AnalysisReport Of(CohortSnapshot snapshot, AnalysisSource source, AnalysisProfile profile, AnalysisPlan? plan, DateTimeOffset now)
    {
        var dataset = Dataset(snapshot, (plan?.Rules ?? PopulationRules.Default).TreatmentEmergence);
        return new AnalysisReport(source, profile, plan, StudyAnalysis.Run(dataset, profile, plan), dataset.Subjects, now, snapshot.Definition.AdverseEvents.CtcaeVersion,
            snapshot.DefinitionVersion, DataStatus.Of(snapshot)) { StudyId = snapshot.StudyId };
    }

    /// <summary>The snapshot as the analysis sees it: arms, covariates and adverse-event coding from the definition version in force at the cut-off.</summary>
    public static AnalysisDataset Dataset(CohortSnapshot snapshot, TreatmentEmergence emergence = TreatmentEmergence.OnsetOrWorsening)
    {
        var covariates = StudyCovariates.Of(snapshot.Definition);
        var subjects = snapshot.Subjects.Select(s => ToAnalysis(s, covariates, emergence)).ToList();
        // Every term reported, in the definition's order; a term of another version (added or retired by an amendment) follows.
        var reported = subjects.SelectMany(s => s.WorstGradeByTerm.Keys).ToHashSet();
        var defined = snapshot.Definition.AdverseEvents.Terms;
        var terms = defined.Select(t => t.Term).Where(reported.Contains)
            .Concat(reported.Where(t => defined.All(d => d.Term != t)).Order(StringComparer.Ordinal)).ToList();
        // The definition's CTCAE term is the MedDRA term of its code; a term without a code is shown verbatim.
        var coding = defined.Where(t => t.MeddraCode is not null || t.Soc is not null)
            .Select(t => new AdverseEventCoding(t.Term, t.CtcaeTerm, t.MeddraCode, t.Soc)).ToList();
        return new AnalysisDataset(subjects, StudyCovariates.Arms(snapshot.Definition), covariates, terms, coding);
    }

    /// <summary>The snapshot's subject as the analysis dataset sees it (months = days / 30.4375); adverse events by the plan's treatment-emergence rule.</summary>
    public static AnalysisSubject ToAnalysis(SubjectSnapshot s, IReadOnlyList<Covariate> covariates, TreatmentEmergence emergence = TreatmentEmergence.OnsetOrWorsening) => new(
        s.SubjectNumber, s.SiteId, s.Arm, s.Age, s.Sex, s.Ecog,
        covariates.ToDictionary(c => c.Name, c => StudyCovariates.Value(c, s.Baseline.GetValueOrDefault(c.Name))),
        s.CyclesCompleted, s.DoseChanges.Count(d => d.ToDose < d.FromDose), s.DoseIntensity, s.BestOverallResponse?.ToString(), (double?)s.BestPercentChange,
        s.Pfs?.Months, s.Pfs?.Event == true, s.Os?.Months, s.Os?.Event == true,
        s.FirstDoseDate is { } first && s.LastDoseDate is { } last ? (last.DayNumber - first.DayNumber + 1) / TimeToEvent.DaysPerMonth : 0,
        s.FirstDoseDate is not null && s.DiscontinuationDate is null && s.Os?.Event != true, s.DiscontinuationReason ?? (s.Os?.Event == true ? "Death" : null),
        s.AdverseEvents.Select(a => (a.Term, Grade: EmergentGrade(s.FirstDoseDate, a, emergence))).Where(a => a.Grade is not null).ToDictionary(a => a.Term, a => a.Grade!.Value),
        s.FirstDoseDate is not null, s.UnmetCriteria is null ? null : s.UnmetCriteria.Count == 0, s.Responses.Count,
        FirstResponseMonths: MonthsTo(s, s.Responses.TakeWhile(v => v.Overall != Response.PD).FirstOrDefault(v => v.Overall is Response.CR or Response.PR)?.Date),
        ProgressionMonths: MonthsTo(s, Recist.FirstProgression(s.Responses)));

    /// <summary>Months from the first dose to a date, as ADTTE counts them (days = date - first dose + 1).</summary>
    private static double? MonthsTo(SubjectSnapshot s, DateOnly? date) =>
        s.FirstDoseDate is { } first && date is { } d ? TimeToEvent.Of(first, d, false, "").Months : null;

    /// <summary>A term's worst treatment-emergent grade; a snapshot without the events' history falls back to the term's latest onset and worst grade.</summary>
    private static int? EmergentGrade(DateOnly? firstDose, AdverseEventSnapshot a, TreatmentEmergence emergence) =>
        a.Episodes is { } episodes ? TreatmentEmergentEvents.WorstGrade(firstDose, episodes, emergence)
        : firstDose is { } d && a.LatestOnset >= d ? a.WorstGrade : null;

    /// <summary>
    /// The JSON document (docs/analysis.schema.json): fixed keys only, lists of objects wherever the data decide what is
    /// listed; the keys and shapes of the seed paper's facts file where they overlap, at full precision; the source,
    /// profile, plan, methods and provenance.
    /// </summary>
    public JsonObject ToJson()
    {
        var o = CasebookJson.Options;
        JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, o);
        JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> map) => new([.. items.Select(map)]);
        var r = Result;
        var covariates = r.Covariates;
        var json = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["provenance"] = ProvenanceJson(),
            ["lock"] = Source.LockName is null ? null : new JsonObject
            {
                ["name"] = Source.LockName, ["cutoff"] = Source.Cutoff.ToString("yyyy-MM-dd"), ["hash"] = Source.LockHash, ["highWaterMark"] = Source.HighWaterMark, ["kind"] = Source.LockKind,
            },
            ["source"] = Node(Source),
            ["methods"] = new JsonObject
            {
                ["profile"] = Profile.Name, ["profileLabel"] = Labels.Profile(Profile.Name), ["proportion"] = Labels.Proportion(Profile.Proportion),
                ["median"] = Labels.Median(Profile.Median), ["survivalBand"] = Labels.Band(Profile.ConfType), ["coxTies"] = Labels.TiesMethod(Plan?.Ties ?? Profile.Ties),
                ["timeToEvent"] = "ADTTE: origin first dose; days = date - origin + 1; months = days / 30.4375",
                ["treatmentEmergence"] = Labels.Emergence(r.Rules.TreatmentEmergence),
            },
            ["plan"] = Plan is null ? null : new JsonObject
            {
                ["name"] = Plan.Name, ["pfsCovariates"] = Node(Plan.PfsCovariates), ["pfsCovariateLabels"] = Array(Plan.PfsCovariates, c => Labels.Factor(c, covariates)),
                ["ties"] = Labels.TiesMethod(Plan.Ties), ["rationale"] = Plan.Rationale, ["populations"] = Node(Plan.Rules),
            },
            ["populationRules"] = Node(r.Rules),
            ["populations"] = Node(r.Populations),
            ["flow"] = Node(r.Flow),
            ["tablePopulations"] = Node(r.TablePopulations),
            ["profile"] = r.Profile,
            ["n"] = r.N,
            ["covariates"] = Node(r.Covariates),
            ["baselineItems"] = Array(covariates.Where(c => r.BaselineItems.ContainsKey(c.Name)), c => new JsonObject
            {
                ["name"] = c.Name, ["label"] = c.Label,
                ["levels"] = Array(r.BaselineItems[c.Name], level => new JsonObject
                {
                    ["code"] = level.Key, ["label"] = c.Kind == CovariateKind.Binary ? (level.Key == "true" ? "Yes" : "No") : c.Levels.First(l => l.Code == level.Key).Label, ["n"] = level.Value,
                }),
            }),
            ["baselineMeasures"] = Array(covariates.Where(c => r.BaselineMeasures.ContainsKey(c.Name)), c => new JsonObject
            {
                ["name"] = c.Name, ["label"] = c.Label, ["unit"] = c.Unit, ["n"] = r.BaselineMeasures[c.Name].N,
                ["median"] = r.BaselineMeasures[c.Name].Median, ["min"] = r.BaselineMeasures[c.Name].Min, ["max"] = r.BaselineMeasures[c.Name].Max,
            }),
            ["atLeastThreeCycles"] = r.AtLeastThreeCycles,
            ["age"] = Node(r.Age),
            ["baseline"] = Node(r.Baseline),
            ["bestOverallResponse"] = Node(r.BestOverallResponse),
            ["orr"] = Node(r.Orr),
            ["dcr"] = Node(r.Dcr),
            ["pfsMonths"] = Node(r.PfsMonths),
            ["osMonths"] = Node(r.OsMonths),
            ["coxUnivariate"] = Node(r.CoxUnivariate),
            ["screenCandidates"] = Node(r.ScreenCandidates),
            ["coxPfsMultivariate"] = r.CoxPfsMultivariate is not { } model ? null : new JsonObject
            {
                ["plan"] = model.Plan, ["rationale"] = model.Rationale, ["ties"] = model.Ties, ["waldCi"] = true, ["n"] = model.N,
                ["lrChiSquare"] = model.LrChiSquare, ["lrP"] = model.LrP,
                ["coefficients"] = Array(model.Coefficients.Select((c, i) => (c, Label: model.CoefficientLabels[i])), x => new JsonObject
                {
                    ["name"] = x.c.Name, ["label"] = x.Label, ["hr"] = x.c.Hr, ["ci95"] = new JsonArray(x.c.HrLower, x.c.HrUpper), ["p"] = x.c.P, ["coef"] = x.c.Coef, ["se"] = x.c.Se,
                }),
                ["warnings"] = Node(model.Warnings),
            },
            ["byArm"] = Node(r.ByArm),
            ["adverseEvents"] = new JsonObject
            {
                ["population"] = Node(Population.Treated), ["n"] = r.TablePopulations.Single(t => t.Table == StudyAnalysis.AdverseEventsTable).N,
                ["ctcaeVersion"] = CtcaeVersion, ["treatmentEmergence"] = Labels.Emergence(r.Rules.TreatmentEmergence),
                ["columns"] = new JsonArray(["all", .. AdverseEventRow.Grades.Select(g => (JsonNode?)$"g{g}")]),
                ["rows"] = Array(r.AdverseEventTable, row => new JsonObject
                {
                    ["term"] = row.Term, ["preferredTerm"] = row.PreferredTerm, ["meddraCode"] = row.MeddraCode, ["soc"] = row.Soc,
                    ["counts"] = new JsonArray([row.AnyGrade.N, .. row.ByGrade().Select(c => (JsonNode?)c.N)]),
                }),
            },
            ["adverseEventTable"] = Node(r.AdverseEventTable),
            ["adverseEventSocTable"] = Node(r.AdverseEventSocTable),
            ["exposure"] = Node(r.Exposure),
            ["subjects"] = Array(Subjects, s => new JsonObject
            {
                ["subjectNumber"] = s.SubjectNumber, ["site"] = s.Site, ["arm"] = s.Arm, ["age"] = s.Age, ["sex"] = s.Sex, ["ecog"] = s.Ecog,
                ["covariates"] = Array(covariates, c => new JsonObject { ["name"] = c.Name, ["value"] = Node(s.Covariates.GetValueOrDefault(c.Name)) }),
                ["treated"] = s.Treated, ["eligible"] = s.Eligible, ["postBaselineAssessments"] = s.PostBaselineAssessments,
                ["cyclesCompleted"] = s.CyclesCompleted, ["doseReductions"] = s.DoseReductions, ["doseIntensity"] = s.DoseIntensity,
                ["bestOverallResponse"] = s.BestOverallResponse, ["bestPercentChange"] = s.BestPercentChange,
                ["pfsMonths"] = s.PfsMonths, ["pfsEvent"] = s.PfsEvent, ["osMonths"] = s.OsMonths, ["osEvent"] = s.OsEvent,
                ["treatmentMonths"] = s.TreatmentMonths, ["onTreatment"] = s.OnTreatment, ["endOfTreatment"] = s.EndOfTreatment,
                ["firstResponseMonths"] = s.FirstResponseMonths, ["progressionMonths"] = s.ProgressionMonths,
                ["adverseEvents"] = Array(s.WorstGradeByTerm.OrderBy(a => a.Key, StringComparer.Ordinal), a => new JsonObject { ["term"] = a.Key, ["worstGrade"] = a.Value }),
            }),
            ["generatedAt"] = GeneratedAt.UtcDateTime.ToString("O"),
        };
        return JsonNodes.WithoutNonFinite(json);
    }

    private JsonObject ProvenanceJson() => new()
    {
        ["lock"] = Source.LockName is null ? null : new JsonObject
        {
            ["name"] = Source.LockName, ["hash"] = Source.LockHash, ["cutoff"] = Source.Cutoff.ToString("yyyy-MM-dd"), ["kind"] = Source.LockKind, ["highWaterMark"] = Source.HighWaterMark,
        },
        ["asOf"] = Source.AsOf?.UtcDateTime.ToString("O"),
        ["snapshotHash"] = Source.LockHash,
        ["cutoff"] = Source.Cutoff.ToString("yyyy-MM-dd"),
        ["definitionVersion"] = DefinitionVersion,
        ["dataStatus"] = Status is null ? null : JsonSerializer.SerializeToNode(Status, CasebookJson.Options),
        ["generatedAt"] = GeneratedAt.UtcDateTime.ToString("O"),
        ["softwareVersion"] = SoftwareVersion,
    };
}
