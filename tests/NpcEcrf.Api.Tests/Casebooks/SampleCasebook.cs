using System.Text.Json.Nodes;
using NpcEcrf.Api.StudyForms;
using NpcEcrf.Api.Tests.Infrastructure;
using System.Globalization;
using System.Text.Json;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Tests.Casebooks;

/// <summary>
/// A complete, valid casebook built from events with no database, and small ways to break it: append events,
/// leave one event type out, or replace one. Every check's test starts here.
/// </summary>
public static class SampleCasebook
{
    public static readonly Guid Id = Guid.Parse("6f1c3a52-0d4e-4b7b-9a51-3c2f0e1d2b71");
    public static readonly DateOnly Today = D("2024-01-01");
    public static readonly DateTimeOffset Now = new(2024, 1, 1, 9, 0, 0, TimeSpan.Zero);
    public const string User = "tester";
    public static readonly Study Study = TestStudies.InMemory("ANLO-NPC", [new Site("S1", "Guilin")]);

    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The subject's events in entry order (a new list each call); the version of event i is i + 1.</summary>
    public static List<object> Events() =>
    [
        new SubjectEnrolled("ANLO-NPC", "S1", "001", D("2021-03-01"), D("2021-03-03"), "ANLOTINIB", TestStudies.Eligible), // 1
        new DemographicsRecorded("F", 1970, 50),                                                                         // 2
        new EcogRecorded(D("2021-03-02"), 1),                                                                            // 3
        new StudyFormEntered("disease-status", null, new() { ["pattern"] = "Recurrent", ["diagnosisDate"] = "2019-11-20" }), // 4
        new StudyFormEntered("metastatic-sites", null, new()
        {
            ["liver"] = true, ["lung"] = false, ["bone"] = true, ["distantLymphNodes"] = false,
            ["other"] = new JsonArray(new JsonObject { ["site"] = "adrenal" }),
        }),                                                                                                              // 5
        new StudyFormEntered("prior-therapy", null, new() { ["priorSystemicLines"] = 1, ["platinumRefractory"] = true, ["priorRadiotherapy"] = true }), // 6
        new BaselineLesionsRecorded(D("2021-02-25"), "CT",
            [new TargetLesion("T1", "liver", false, 30m)], [new NonTargetLesion("N1", "bone", "sclerotic lesion")]),     // 7
        new FirstDoseGiven(D("2021-03-04"), 12),                                                                         // 8
        new CycleRecorded(1, D("2021-03-04"), 12, 28, 0),                                                                // 9
        new AdverseEventReported("AE1", "Hand-foot syndrome", 1, D("2021-03-20"), false, Relation.Probable, ActionTaken.DoseReduced), // 10
        new CycleRecorded(2, D("2021-03-25"), 12, 28, 2),                                                                // 11
        new AdverseEventGradeChanged("AE1", D("2021-03-28"), 2),                                                         // 12
        new DoseChanged("DC1", D("2021-04-01"), 12, 10, "Hand-foot syndrome grade 2", "AE1"),                            // 13
        new CycleRecorded(3, D("2021-04-15"), 10, 28, 0),                                                                // 14
        new DosingInterrupted("I1", D("2021-04-20"), "Hand-foot syndrome", "AE1"),                                       // 15
        new TumourAssessed("V1", D("2021-04-26"), "CT", new Dictionary<string, decimal?> { ["T1"] = 24m }, NonTargetStatus.NonCRNonPD, false), // 16
        new DosingResumed("I1", D("2021-04-27"), 10),                                                                    // 17
        new AdverseEventResolved("AE1", D("2021-05-10")),                                                                // 18
        new TumourAssessed("V2", D("2021-06-07"), "CT", new Dictionary<string, decimal?> { ["T1"] = 20m }, NonTargetStatus.NonCRNonPD, false), // 19
        new ContactRecorded(D("2021-09-01"), "telephone"),                                                               // 20
    ];

    /// <summary>The complete casebook, then <paramref name="then"/>.</summary>
    public static Casebook With(params object[] then) => Build([.. Events(), .. then]);

    /// <summary>The complete casebook without any event of type <typeparamref name="T"/>, then <paramref name="then"/>.</summary>
    public static Casebook Without<T>(params object[] then) => Build([.. Events().Where(e => e is not T), .. then]);

    /// <summary>The complete casebook with its event of type <typeparamref name="T"/> entered as <paramref name="replacement"/>.</summary>
    public static Casebook Replacing<T>(T replacement, params object[] then) where T : notnull =>
        Build([.. Events().Select(e => e is T ? replacement : e), .. then]);

    public static Casebook Build(IEnumerable<object> events) => CasebookEvolution.After(null, Id, events, User, Now);

    /// <summary>
    /// A correction of one data point of the complete casebook, as the correction command writes it: the field by its
    /// canonical path and the old value read from the casebook.
    /// </summary>
    public static DataPointCorrected Correct(string form, string field, string newJson, string reason = "transcription error")
    {
        var (value, canonical, error) = FormValues.Read(With(), Study, FormRef.Parse(form), field);
        if (error is not null) throw new ArgumentException(error);
        return new DataPointCorrected(form, canonical, value?.ToJsonString() ?? "null", newJson, reason);
    }

    public static string Json(string text) => JsonSerializer.Serialize(text);

    /// <summary>Every finding of every check, hard and soft.</summary>
    public static IReadOnlyList<CheckFinding> Findings(Casebook casebook) => Findings(casebook, Study);

    /// <summary>Every finding of every check, with the casebook held to another study's definition.</summary>
    public static IReadOnlyList<CheckFinding> Findings(Casebook casebook, Study study) =>
        [.. CasebookCommands.Findings(casebook, study, Today, Severity.Hard), .. CasebookCommands.Findings(casebook, study, Today, Severity.Soft)];

    /// <summary>The sample's study, with its definition changed (a second protocol, say).</summary>
    public static Study StudyWith(Func<StudyDefinition, StudyDefinition> change) =>
        TestStudies.InMemory(Study.StudyId, Study.Sites, change(TestStudies.Reference));

    /// <summary>The casebook as JSON, the shape Marten stores: equal JSON is an equal casebook.</summary>
    public static string Serialized(Casebook casebook) => JsonSerializer.Serialize(casebook, CasebookJson.Options);
}
