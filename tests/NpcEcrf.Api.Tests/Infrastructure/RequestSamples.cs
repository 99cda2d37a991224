using System.Collections;
using System.Text.Json.Nodes;

namespace NpcEcrf.Api.Tests.Infrastructure;

public static class RequestSamples
{
    public const string S = "/studies/{studyId}/subjects/{subjectNumber}";

    /// <summary>
    /// A body each casebook write accepts (when its subject is in a state to take it), by route. "{n}" stands for a number
    /// unique to the request, so repeated requests do not collide on ids.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, object> Bodies = new Dictionary<string, object>
    {
        ["/studies/{studyId}/subjects"] = new { subjectNumber = "N-{n}", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible },
        ["/studies/{studyId}/screen-failures"] = new { subjectNumber = "SF-{n}", siteId = "S1", screeningDate = "2021-03-01", eligibility = new Dictionary<string, bool> { ["I2"] = false }, reason = "No measurable lesion" },
        [S + "/demographics"] = new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55 },
        [S + "/ecog"] = new { assessmentDate = "2021-03-02", score = 1 },
        // The generic route of the study's own forms; "{form}" is filled with the reference study's prior-therapy form.
        [S + "/forms/{form}"] = new { data = new { priorSystemicLines = 1, platinumRefractory = false, priorRadiotherapy = true } },
        [S + "/baseline-lesions"] = new { assessmentDate = "2021-02-25", method = "CT", targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } } },
        [S + "/first-dose"] = new { date = "2021-03-04", dose = 12 },
        [S + "/cycles"] = new { cycleNumber = 1, startDate = "2021-03-04", dose = 12, tabletsDispensed = 14, tabletsReturned = 0 },
        [S + "/dose-changes"] = new { changeId = "DC{n}", date = "2021-04-01", toDose = 10, reason = "Toxicity", adverseEventId = "AE1" },
        [S + "/interruptions"] = new { interruptionId = "I{n}", date = "2021-04-05", reason = "Hypertension" },
        [S + "/resumptions"] = new { interruptionId = "I1", date = "2021-04-20", dose = 12 },
        [S + "/discontinuation"] = new { date = "2021-07-01", reason = "Progression" },
        [S + "/tumour-assessments"] = new { assessmentId = "V{n}", date = "2021-06-01", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 28m }, nonTarget = "NE", newLesions = false },
        [S + "/adverse-events"] = new { adverseEventId = "AE{n}", term = "Fatigue", grade = 1, onsetDate = "2021-03-20", serious = false, relation = "Possible", action = "None" },
        [S + "/adverse-events/{adverseEventId}/grade-changes"] = new { date = "2021-03-25", grade = 3 },
        [S + "/adverse-events/{adverseEventId}/resolution"] = new { resolutionDate = "2021-05-01" },
        [S + "/contacts"] = new { date = "2021-08-01", method = "phone" },
        [S + "/death"] = new { date = "2021-09-01", cause = "Progression" },
        [S + "/lost-to-follow-up"] = new { lastKnownAliveDate = "2021-08-01", details = "Moved" },
        // Recording it again replaces the reason, so repeated requests are all taken.
        [S + "/missed-forms"] = new { visit = "SCREENING", form = "metastatic-sites", reason = "Not collected at screening" },
        [S + "/corrections"] = new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "Typo" },
        [S + "/verifications"] = new { form = "first-dose" },
        [S + "/signatures"] = new { meaning = "I approve", password = AppFixture.Password },
        ["/data-queries"] = new { studyId = "{studyId}", subjectNumber = "{subjectNumber}", form = "first-dose", field = "date", text = "Check" },
        ["/data-queries/{id:guid}/answer"] = new { text = "Right" },
        ["/data-queries/{id:guid}/close"] = new { text = "ok" },
        ["/data-queries/{id:guid}/cancel"] = new { reason = "Raised in error" },
        ["/data-queries/{id:guid}/reopen"] = new { reason = "Again" },
    };


    /// <summary>A plausible JSON value of a type, from its constructor (records) or its kind.</summary>
    public static JsonNode? Of(Type type, int depth = 0)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (depth > 3) return null;
        if (type == typeof(string)) return "S1";
        if (type == typeof(bool)) return true;
        if (type == typeof(int) || type == typeof(long)) return 1;
        if (type == typeof(decimal) || type == typeof(double)) return 12.5;
        if (type == typeof(DateOnly)) return "2021-03-04";
        if (type == typeof(DateTimeOffset)) return "2021-03-04T10:00:00Z";
        if (type == typeof(Guid)) return Guid.NewGuid().ToString();
        if (type.IsEnum) return Enum.GetNames(type)[0];
        if (type == typeof(System.Text.Json.JsonElement)) return 1;
        if (type.IsArray) return new JsonArray(Of(type.GetElementType()!, depth + 1));
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return new JsonObject { ["T1"] = Of(type.GetGenericArguments()[1], depth + 1) };
        if (typeof(IEnumerable).IsAssignableFrom(type)) return new JsonArray();
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null) return new JsonObject();
        var json = new JsonObject();
        foreach (var p in constructor.GetParameters())
            json[char.ToLowerInvariant(p.Name![0]) + p.Name[1..]] = Of(p.ParameterType, depth + 1);
        return json;
    }
}
