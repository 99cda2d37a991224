using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Enrolment;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

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
    public static JsonObject Of(Casebook c)
    {
        var json = new JsonObject
        {
            ["id"] = c.Id,
            ["version"] = c.Version,
            ["studyId"] = c.StudyId,
            ["siteId"] = c.SiteId,
            ["subjectNumber"] = c.SubjectNumber,
        };
        foreach (var form in FormCatalogue.All)
        {
            var values = c.Forms.Where(f => f.Form.Name == form.Name).Select(f => Node(f.Value)).ToList();
            json[form.AnswerProperty] = form.Repeating ? new JsonArray([.. values]) : values.FirstOrDefault();
        }
        json["flags"] = Node(c.Flags);
        json["corrections"] = Node(c.Corrections);
        json["formVersions"] = Node(c.Forms.Select(f => new { form = f.Form.ToString(), version = f.Version, enteredBy = f.EnteredBy }));
        json["verifications"] = Node(c.Verifications);
        json["signatures"] = Node(c.Signatures);
        json["lastDataVersion"] = c.LastDataVersion;
        json["status"] = Node(Status(c));
        json["currentDoseMg"] = c.CurrentDoseMg;
        json["signatureStatus"] = Node(SignatureOf(c));
        json["missingForms"] = Node(MissingForms(c));
        json["responses"] = Node(c.Responses);
        json["bestOverallResponse"] = Node(c.BestOverallResponse);
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
    public static IReadOnlyList<string> MissingForms(Casebook c) =>
        FormCatalogue.All.Where(f => f.RequiredForSignature && c.Forms.All(e => e.Form.Name != f.Name)).Select(f => f.Name).ToList();

    private static JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, CasebookJson.Options);
    private static JsonNode? Node(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), CasebookJson.Options);
}
