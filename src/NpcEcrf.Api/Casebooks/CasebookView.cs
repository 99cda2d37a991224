using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Enrolment;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;

namespace NpcEcrf.Api.Casebooks;

public enum SubjectStatus { Enrolled, OnTreatment, OffTreatment, Dead, LostToFollowUp }

public enum SignatureState { Unsigned, Signed, Voided }

/// <summary>The casebook's signature status: a signature stands only while no data changed after the version it signed.</summary>
public sealed record SignatureStatus(SignatureState State, CasebookSigned? Signature, long? VoidedByDataVersion);

/// <summary>
/// The casebook as readers get it: every form under its answer property (from the catalogue), the review record,
/// and the values derived on every read (status, current dose, signature status, missing forms, responses, best
/// overall response, last date known alive), so they can never disagree with the events.
/// </summary>
public static class CasebookView
{
    /// <summary>The casebook as the study's definition in force at the site at <paramref name="at"/> reads it.</summary>
    public static JsonObject Of(Casebook c, Study study, DateTimeOffset at)
    {
        var version = study.VersionAt(c.SiteId, at);
        var set = FormSet.Of(version.Definition);
        var json = new JsonObject
        {
            ["id"] = c.Id,
            ["version"] = c.Version,
            ["studyId"] = c.StudyId,
            ["siteId"] = c.SiteId,
            ["subjectNumber"] = c.SubjectNumber,
        };
        // An imported subject of another EDC has no enrolment form, so no arm.
        json["arm"] = c.One<SubjectEnrolled>()?.Arm;
        var studyForms = new JsonObject();
        foreach (var form in set.Forms)
        {
            var values = c.Forms.Where(f => f.Form.Name == form.Name).Select(f => Value(form, f)).ToList();
            (form is StudyFormDefinition ? studyForms : json)[form.AnswerProperty] = form.Repeating ? new JsonArray([.. values]) : values.FirstOrDefault();
        }
        // The forms the data manager defined, by name.
        json["forms"] = studyForms;
        json["flags"] = Node(c.Flags);
        json["corrections"] = Node(c.Corrections);
        json["formVersions"] = Node(c.Forms.Select(f => new { form = f.Form.ToString(), version = f.Version, enteredBy = f.EnteredBy }));
        json["verifications"] = Node(c.Verifications);
        json["signatures"] = Node(c.Signatures);
        json["importedSignatures"] = Node(c.ImportedSignatures);
        json["annotations"] = Node(c.Annotations);
        json["lastDataVersion"] = c.LastDataVersion;
        json["status"] = Node(Status(c));
        json["currentDose"] = c.CurrentDose;
        json["doseUnit"] = version.Definition.Treatment.DoseUnit;
        // A dose per body size, given as the total the pharmacy prepares: dose x the subject's BSA or weight.
        json["currentDoseTotalMg"] = version.Definition.Treatment.PerBodySize && c.CurrentDose is { } perSize
            && Dosing.DosingChecks.DoseBasis(c, version.Definition) is { } basis ? Math.Round(perSize * basis, 1) : null;
        json["definitionVersion"] = version.Version;
        json["signatureStatus"] = Node(SignatureOf(c));
        json["missingForms"] = Node(MissingForms(c, set));
        json["missedForms"] = Node(c.MissedForms);
        json["responses"] = Node(c.Responses);
        json["bestOverallResponse"] = Node(c.BestOverallResponse(version.Definition.Recist));
        json["lastKnownAlive"] = Node(c.LastKnownAlive);
        return json;
    }

    public static SubjectStatus Status(Casebook c) =>
        c.Death is not null ? SubjectStatus.Dead
        : c.LostToFollowUp is not null ? SubjectStatus.LostToFollowUp
        : c.Discontinuation is not null ? SubjectStatus.OffTreatment
        : c.FirstDose is not null ? SubjectStatus.OnTreatment
        : SubjectStatus.Enrolled;

    public static SignatureStatus SignatureOf(Casebook c) => c.Signatures.LastOrDefault() is not { } last
        ? new SignatureStatus(SignatureState.Unsigned, null, null)
        : last.SignedVersion >= c.LastDataVersion
            ? new SignatureStatus(SignatureState.Signed, last, null)
            : new SignatureStatus(SignatureState.Voided, last, c.LastDataVersion);

    /// <summary>The forms a signature needs that are not entered yet.</summary>
    public static IReadOnlyList<string> MissingForms(Casebook c, FormSet forms) =>
        forms.Forms.Where(f => f.RequiredForSignature && c.Forms.All(e => e.Form.Name != f.Name)).Select(f => f.Name).ToList();

    /// <summary>A study form instance shows its key beside its items.</summary>
    private static JsonNode? Value(FormDefinition form, FormEntry entry) => form is StudyFormDefinition study && entry.Value is JsonObject items
        ? form.Repeating ? new JsonObject { ["key"] = entry.Form.Key, ["data"] = StudyFormData.Ordered(study.Form, items) } : StudyFormData.Ordered(study.Form, items)
        : Node(entry.Value);

    private static JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, CasebookJson.Options);
    private static JsonNode? Node(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), CasebookJson.Options);
}
