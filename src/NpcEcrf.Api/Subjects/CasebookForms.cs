using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Subjects;

/// <summary>
/// The casebook's forms by name ("demographics", "tumour-assessment/V2", ...) and the generic way a
/// correction reads and replaces one data point of any form: through the form's JSON, by field path
/// ("targetDiametersMm.T1", "targets[0].diameterMm").
/// </summary>
public static class CasebookForms
{
    public const string Enrolment = "enrolment";
    public const string Demographics = "demographics";
    public const string Ecog = "ecog";
    public const string DiseaseStatus = "disease-status";
    public const string MetastaticSites = "metastatic-sites";
    public const string PriorTherapy = "prior-therapy";
    public const string FirstDose = "first-dose";
    public const string Discontinuation = "discontinuation";
    public const string BaselineLesions = "baseline-lesions";
    public const string Death = "death";
    public const string LostToFollowUp = "lost-to-follow-up";
    public static string Cycle(int number) => $"cycle/{number}";
    public static string DoseChange(string id) => $"dose-change/{id}";
    public static string Interruption(string id) => $"interruption/{id}";
    public static string Resumption(string id) => $"resumption/{id}";
    public static string TumourAssessment(string id) => $"tumour-assessment/{id}";
    public static string AdverseEvent(string id) => $"adverse-event/{id}";
    public static string Contact(int number) => $"contact/{number}";

    /// <summary>Identity fields say which record a form is; changing them is not a correction.</summary>
    private static bool IsIdentity(string form, string field)
    {
        var name = form.Split('/')[0];
        string[] keys = name switch
        {
            Enrolment => ["studyId", "siteId", "subjectNumber"],
            "cycle" => ["cycleNumber"],
            "dose-change" => ["changeId"],
            "interruption" or "resumption" => ["interruptionId"],
            "tumour-assessment" => ["assessmentId"],
            "adverse-event" => ["adverseEventId"],
            _ => [],
        };
        return keys.Contains(field, StringComparer.OrdinalIgnoreCase) || field.EndsWith("lesionId", StringComparison.OrdinalIgnoreCase);
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(), new Analysis.NonFiniteAsNull() } };

    private sealed record Slot(object Value, Action<object> Replace);

    private static Slot? Locate(Casebook c, string form)
    {
        var (name, key) = form.IndexOf('/') is var i and > 0 ? (form[..i], form[(i + 1)..]) : (form, "");
        return name switch
        {
            Enrolment => new Slot(c.Enrolment, v => c.Enrolment = (SubjectEnrolled)v),
            Demographics => Maybe(c.Demographics, v => c.Demographics = (DemographicsRecorded)v),
            Ecog => Maybe(c.Ecog, v => c.Ecog = (EcogRecorded)v),
            DiseaseStatus => Maybe(c.DiseaseStatus, v => c.DiseaseStatus = (DiseaseStatusRecorded)v),
            MetastaticSites => Maybe(c.MetastaticSites, v => c.MetastaticSites = (MetastaticSitesRecorded)v),
            PriorTherapy => Maybe(c.PriorTherapy, v => c.PriorTherapy = (PriorTherapyRecorded)v),
            FirstDose => Maybe(c.FirstDose, v => c.FirstDose = (FirstDoseGiven)v),
            Discontinuation => Maybe(c.Discontinuation, v => c.Discontinuation = (TreatmentDiscontinued)v),
            BaselineLesions => Maybe(c.Baseline, v => c.Baseline = (BaselineLesionsRecorded)v),
            Death => Maybe(c.Death, v => c.Death = (DeathRecorded)v),
            LostToFollowUp => Maybe(c.LostToFollowUp, v => c.LostToFollowUp = (LostToFollowUp)v),
            "cycle" => InList(c.Cycles, x => x.CycleNumber.ToString() == key),
            "dose-change" => InList(c.DoseChanges, x => x.ChangeId == key),
            "interruption" => InList(c.Interruptions, x => x.InterruptionId == key),
            "resumption" => InList(c.Resumptions, x => x.InterruptionId == key),
            "tumour-assessment" => InList(c.Assessments, x => x.AssessmentId == key),
            "contact" => int.TryParse(key, out var n) && n >= 1 && n <= c.Contacts.Count
                ? new Slot(c.Contacts[n - 1], v => c.Contacts[n - 1] = (ContactRecorded)v) : null,
            "adverse-event" => c.AdverseEvents.FindIndex(a => a.Report.AdverseEventId == key) is var ae and >= 0
                ? new Slot(c.AdverseEvents[ae].Report, v => c.AdverseEvents[ae] = c.AdverseEvents[ae] with { Report = (AdverseEventReported)v }) : null,
            _ => null,
        };
    }

    private static Slot? Maybe<T>(T? value, Action<object> replace) where T : class => value is null ? null : new Slot(value, replace);

    private static Slot? InList<T>(List<T> list, Predicate<T> match) where T : notnull =>
        list.FindIndex(match) is var i and >= 0 ? new Slot(list[i], v => list[i] = (T)v) : null;

    /// <summary>The current value of a data point as JSON, or why it cannot be addressed.</summary>
    public static (JsonNode? Value, string? Error) Read(Casebook casebook, string form, string field)
    {
        if (Locate(casebook, form) is not { } slot) return (null, $"The casebook has no form '{form}'.");
        if (IsIdentity(form, field))
            return (null, $"'{field}' identifies the record and cannot be corrected.");
        var node = JsonSerializer.SerializeToNode(slot.Value, slot.Value.GetType(), Json);
        return Navigate(node, field) is var (parent, name, index) && parent is not null
            ? (Get(parent, name, index)?.DeepClone(), null)
            : (null, $"Form '{form}' has no field '{field}'.");
    }

    public static void ApplyCorrection(Casebook casebook, DataPointCorrected correction)
    {
        if (Locate(casebook, correction.Form) is not { } slot) return;
        var node = JsonSerializer.SerializeToNode(slot.Value, slot.Value.GetType(), Json)!;
        var (parent, name, index) = Navigate(node, correction.Field);
        if (parent is null) return;
        var value = JsonNode.Parse(correction.NewValue);
        if (index is { } i) parent.AsArray()[i] = value;
        else parent.AsObject()[name!] = value;
        slot.Replace(node.Deserialize(slot.Value.GetType(), Json)!);
    }

    // Walks "a.b[2].c" to the container of the last segment; every segment must already exist.
    private static (JsonNode? Parent, string? Name, int? Index) Navigate(JsonNode? node, string path)
    {
        var segments = path.Split('.');
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var bracket = segment.IndexOf('[');
            var name = bracket >= 0 ? segment[..bracket] : segment;
            int? index = bracket >= 0 && int.TryParse(segment[(bracket + 1)..^1], out var parsed) ? parsed : null;
            if (node is not JsonObject obj) return (null, null, null);
            var last = s == segments.Length - 1;
            var key = obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (key is null) return (null, null, null);
            if (index is null)
            {
                if (last) return (obj, key, null);
                node = obj[key];
                continue;
            }
            if (obj[key] is not JsonArray array || index < 0 || index >= array.Count) return (null, null, null);
            if (last) return (array, null, index);
            node = array[index.Value];
        }
        return (null, null, null);
    }

    private static JsonNode? Get(JsonNode parent, string? name, int? index) => index is { } i ? parent.AsArray()[i] : parent.AsObject()[name!];

    public static Casebook Clone(Casebook casebook) =>
        JsonSerializer.Deserialize<Casebook>(JsonSerializer.Serialize(casebook, Json), Json)!;
}
