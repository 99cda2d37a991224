using JasperFx.Events;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.SourceDataVerification;
using static NpcEcrf.Api.Studies.ReviewFlags;

namespace NpcEcrf.Api.Exports;

/// <summary>
/// One review step as ODM carries it: an Annotation on the reviewed field (or form, when no field is named; or the
/// subject, when no form is) with its text and flags of the product's code lists (CL.NPCECRF.FLAG_TYPE,
/// CL.NPCECRF.FLAG_VALUE). <paramref name="Id"/> is the Annotation's xs:ID: "Q.{query id}.{step}" for a data query's
/// steps (an xs:ID is unique in a file, so each step has its own, and the prefix groups one query's steps), null otherwise.
/// </summary>
public sealed record OdmReviewStep(FormRef? Form, string? Field, IReadOnlyList<OdmFlag> Flags, string? Text, string SponsorOrSite, string? Reason, string? Id)
{
    public OdmReviewStep(FormRef form, string? field, string flagType, string flagValue, string text, string sponsorOrSite, string? reason, string? id)
        : this(form, field, [new OdmFlag(flagValue, flagType)], text, sponsorOrSite, reason, id) { }

    /// <summary>An annotation another system (or an earlier installation) wrote, as the import kept it.</summary>
    public static OdmReviewStep Imported(OdmAnnotationImported a) =>
        new(a.Form is null ? null : new FormRef(a.Form, a.Key), a.Item, a.Flags, a.Text, a.SponsorOrSite ?? "Sponsor", null, a.Id);
}

public static class OdmReview
{
    /// <summary>What a casebook event says about review (null for data and signatures).</summary>
    public static OdmReviewStep? Of(IEvent e) => e.Data switch
    {
        SourceDataVerified v => new(FormRef.Parse(v.Form), v.Field, Sdv, Verified, "Source data verified.", "Sponsor", Reason(e), null),
        SourceDataVerificationRevoked r => new(FormRef.Parse(r.Form), r.Field, Sdv, Revoked,
            $"Verification revoked: the value changed at casebook version {r.ChangedAtVersion}.", "Sponsor", Reason(e), null),
        EditCheckFlagged f => new(FormRef.Parse(f.Form), f.Field, EditCheck, Flagged, $"{f.CheckId}: {f.Message}", "Sponsor", Reason(e), null),
        EditCheckCleared f => new(FormRef.Parse(f.Form), f.Field, EditCheck, Cleared, $"{f.CheckId}: cleared.", "Sponsor", Reason(e), null),
        OdmAnnotationImported a => OdmReviewStep.Imported(a),
        _ => null,
    };

    /// <summary>Each step of a data query's stream (raised, answered, closed, cancelled, reopened), on the queried field.</summary>
    public static OdmReviewStep? Of(IEvent e, DataQueryRaised query)
    {
        var id = $"Q.{e.StreamId:D}.{e.Version}";
        OdmReviewStep Step(string value, string text, string side, string? reason = null) =>
            new(FormRef.Parse(query.Form), query.Field, Query, value, text, side, Reason(e) ?? reason, id);
        return e.Data switch
        {
            DataQueryRaised r => Step(Raised, r.Text, "Sponsor"),
            DataQueryAnswered a => Step(Answered, a.Text, "Site"),
            DataQueryClosed c => Step(Closed, c.Text is { Length: > 0 } text ? text : c.Automatic ? "Closed automatically." : "Closed.", "Sponsor"),
            DataQueryCancelled c => Step(Cancelled, c.Reason, "Sponsor", c.Reason),
            DataQueryReopened r => Step(Reopened, r.Reason, "Sponsor", r.Reason),
            _ => null,
        };
    }

    private static string? Reason(IEvent e) => e.GetHeader(CommandPipeline.ReasonHeader)?.ToString() is { Length: > 0 } reason ? reason : null;
}
