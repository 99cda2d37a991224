namespace NpcEcrf.Api.Studies;

/// <summary>
/// The review flags an ODM Annotation carries: what a flag is about (its FlagType) and its value (its FlagValue),
/// with their labels. One list: the metadata's code lists (<see cref="DefinitionOdm.FlagTypeList"/>,
/// <see cref="DefinitionOdm.FlagValueList"/>) and the exported annotations both read it.
/// </summary>
public static class ReviewFlags
{
    public const string Sdv = "SDV", EditCheck = "EDIT_CHECK", Query = "QUERY";

    public const string Verified = "VERIFIED", Revoked = "REVOKED", Flagged = "FLAGGED", Cleared = "CLEARED",
        Raised = "RAISED", Answered = "ANSWERED", Closed = "CLOSED", Cancelled = "CANCELLED", Reopened = "REOPENED";

    public static readonly IReadOnlyList<(string Code, string Label)> Types =
        [(Sdv, "Source data verification"), (EditCheck, "Edit check"), (Query, "Data query")];

    public static readonly IReadOnlyList<(string Code, string Label)> Values =
    [
        (Verified, "Source data verified"), (Revoked, "Verification revoked (the value changed)"), (Flagged, "Edit check flagged"),
        (Cleared, "Edit check cleared"), (Raised, "Query raised"), (Answered, "Query answered"), (Closed, "Query closed"),
        (Cancelled, "Query cancelled"), (Reopened, "Query reopened"),
    ];
}
