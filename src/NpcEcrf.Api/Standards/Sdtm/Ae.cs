using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>AE: one record per adverse event with onset on or before the cut-off, at its worst CTCAE grade by the cut-off.</summary>
internal static class Ae
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("AE"),
        new("AESPID", "Sponsor-Defined Identifier", VariableType.Text, Origin: "Collected"),
        new("AETERM", "Reported Term for the Adverse Event", VariableType.Text, Origin: "Collected"),
        new("AELLT", "Lowest Level Term", VariableType.Text, Origin: "Assigned", CodeList: "MedDRA", Derivation: "The term's CTCAE term (a MedDRA LLT)"),
        new("AELLTCD", "Lowest Level Term Code", VariableType.Integer, Origin: "Assigned", CodeList: "MedDRA", Derivation: "The term's MedDRA code in the study definition"),
        new("AEDECOD", "Dictionary-Derived Term", VariableType.Text, Origin: "Assigned", CodeList: "MedDRA", Derivation: "The term's CTCAE term in the study definition", Key: true),
        new("AEPTCD", "Preferred Term Code", VariableType.Integer, Origin: "Assigned", CodeList: "MedDRA",
            Derivation: "The term's MedDRA code in the study definition (CTCAE terms are MedDRA LLTs coded to the PT of the same code)"),
        new("AEBODSYS", "Body System or Organ Class", VariableType.Text, Origin: "Assigned", CodeList: "MedDRA", Derivation: "The term's system organ class in the study definition"),
        new("AESER", "Serious Event", VariableType.Text, 1, "Collected", "NY"),
        new("AEACN", "Action Taken with Study Treatment", VariableType.Text, Origin: "Collected", CodeList: "ACN",
            Derivation: "None = DOSE NOT CHANGED, DoseReduced = DOSE REDUCED, Interrupted = DRUG INTERRUPTED, Withdrawn = DRUG WITHDRAWN"),
        new("AEREL", "Causality", VariableType.Text, Origin: "Collected", CodeList: "REL",
            Derivation: "NotRelated = NOT RELATED, Unlikely = UNLIKELY RELATED, Possible = POSSIBLY RELATED, Probable = PROBABLY RELATED, Definite = RELATED"),
        new("AEOUT", "Outcome of Adverse Event", VariableType.Text, Origin: "Derived", CodeList: "OUT",
            Derivation: "FATAL if the worst grade is 5; RECOVERED/RESOLVED if resolved on or before the cut-off; else NOT RECOVERED/NOT RESOLVED"),
        new("AETOXGR", "Standard Toxicity Grade", VariableType.Text, 1, "Derived", "TOXGR", "The worst CTCAE grade reported at onset or changed to on or before the cut-off"),
        Sdtm.Epoch,
        new("AESTDTC", "Start Date/Time of Adverse Event", VariableType.Text, Origin: "Collected", Key: true),
        new("AEENDTC", "End Date/Time of Adverse Event", VariableType.Text, Origin: "Collected"),
    ];

    public static string Relation(Relation relation) => relation switch
    {
        AdverseEvents.Relation.NotRelated => "NOT RELATED",
        AdverseEvents.Relation.Unlikely => "UNLIKELY RELATED",
        AdverseEvents.Relation.Possible => "POSSIBLY RELATED",
        AdverseEvents.Relation.Probable => "PROBABLY RELATED",
        _ => "RELATED",
    };

    public static string Action(ActionTaken action) => action switch
    {
        ActionTaken.None => "DOSE NOT CHANGED",
        ActionTaken.DoseReduced => "DOSE REDUCED",
        ActionTaken.Interrupted => "DRUG INTERRUPTED",
        _ => "DRUG WITHDRAWN",
    };

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition) =>
        Sdtm.Make("AE", "Adverse Events", "EVENTS", Variables, subjects.SelectMany(s => s.Casebook.AdverseEvents
            .Where(a => a.Report.OnsetDate <= s.Cutoff)
            .Select(a =>
            {
                var term = definition.Term(a.Report.Term);
                var worst = a.GradeChanges.Where(g => g.Date <= s.Cutoff).Select(g => g.Grade).Append(a.Report.Grade).Max();
                var resolved = a.ResolutionDate is { } r && r <= s.Cutoff ? r : (DateOnly?)null;
                long? code = long.TryParse(term?.MeddraCode, out var parsed) ? parsed : null;
                var row = s.Row("AE");
                row["AESPID"] = a.Report.AdverseEventId;
                row["AETERM"] = a.Report.Term;
                row["AELLT"] = term?.CtcaeTerm;
                row["AELLTCD"] = code;
                row["AEDECOD"] = term?.CtcaeTerm ?? a.Report.Term;
                row["AEPTCD"] = code;
                row["AEBODSYS"] = term?.Soc;
                row["AESER"] = a.Report.Serious ? "Y" : "N";
                row["AEACN"] = Action(a.Report.Action);
                row["AEREL"] = Relation(a.Report.Relation);
                row["AEOUT"] = worst == 5 ? "FATAL" : resolved is not null ? "RECOVERED/RESOLVED" : "NOT RECOVERED/NOT RESOLVED";
                row["AETOXGR"] = worst.ToString(System.Globalization.CultureInfo.InvariantCulture);
                row["EPOCH"] = s.Epoch(a.Report.OnsetDate);
                row["AESTDTC"] = Sdtm.Dtc(a.Report.OnsetDate);
                row["AEENDTC"] = Sdtm.Dtc(resolved);
                return row;
            })));
}
