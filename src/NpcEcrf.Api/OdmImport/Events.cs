using System.Text.Json.Nodes;

namespace NpcEcrf.Api.OdmImport;

/// <summary>
/// Who, when, where and why in the source system, kept apart from our own event metadata (our user is the importer,
/// our timestamp the import's), and the file the event came from: its name, SHA-256 and the line of the element.
/// </summary>
public sealed record ImportedAudit(string? User, DateTimeOffset? At, string? Reason, string? Location, string SourceFile, string FileSha256, int Line)
{
    /// <summary>The source system's audit of an imported event; null for an event of ours.</summary>
    public static ImportedAudit? Of(object data) => data switch
    {
        SubjectImported s => s.Audit, OdmFormImported f => f.Audit, OdmSignatureImported s => s.Audit, OdmAnnotationImported a => a.Audit, _ => null,
    };
}

/// <summary>An imported subject's casebook starts here (it has no enrolment of ours; its forms follow as imported).</summary>
public sealed record SubjectImported(string StudyId, string SiteId, string SubjectNumber, ImportedAudit Audit);

/// <summary>
/// One ODM FormData transaction: the WHOLE form instance after it (an Update merged into the previous value), or
/// null when the transaction removed the instance. Built-in forms' values are typed by the casebook on replay.
/// </summary>
public sealed record OdmFormImported(string Form, string? Key, JsonObject? Value, ImportedAudit Audit);

/// <summary>A signature of the source system (its Signature and SignatureDef Meaning); not one of our Part 11 signatures.</summary>
public sealed record OdmSignatureImported(string? User, string? Meaning, DateTimeOffset? SignedAt, string? Location, ImportedAudit Audit);

/// <summary>A flag of an annotation: FlagValue and FlagType as the file wrote them.</summary>
public sealed record OdmFlag(string Value, string? Type);

/// <summary>
/// An ODM Annotation (a comment and flags) of the subject, a form instance or one of its items: review work of the
/// source system (source data verification, edit-check flags, data-query transitions with ID "Q.&lt;id&gt;").
/// </summary>
/// <param name="SponsorOrSite">Whose comment it is, as the file's Comment said.</param>
public sealed record OdmAnnotationImported(string? Form, string? Key, string? Item, string? Text, IReadOnlyList<OdmFlag> Flags, string? Id, ImportedAudit Audit,
    string? SponsorOrSite = null);
