using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

/// <summary>
/// ICH E6(R3) segregation of duties, a per-study setting that is on by default: whoever entered or changed a value
/// may not verify it, close a data query on it, or sign a casebook they entered data into.
/// </summary>
public static class SegregationOfDuties
{
    public const string Rule = "Segregation of duties";

    public static Rejection? Verifying(Study study, Casebook casebook, FormRef form, Actor actor) =>
        study.SegregationOfDuties && casebook.Entry(form)?.EnteredBy.Contains(actor.Username) == true
            ? Rejection.Forbidden($"{Rule}: you entered or changed {form}, so someone else verifies it.")
            : null;

    public static Rejection? ClosingQuery(Study study, Casebook casebook, FormRef form, Actor actor) =>
        study.SegregationOfDuties && casebook.Entry(form)?.EnteredBy.Contains(actor.Username) == true
            ? Rejection.Forbidden($"{Rule}: you entered or changed {form}, so someone else closes its query.")
            : null;

    public static Rejection? Signing(Study study, Casebook casebook, Actor actor) =>
        study.SegregationOfDuties && casebook.DataEnteredBy.Contains(actor.Username)
            ? Rejection.Forbidden($"{Rule}: you entered data into this casebook, so another investigator signs it.")
            : null;
}
