using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>
/// ADAE (OCCDS): one record per subject and reported term, at the worst CTCAE grade up to the cut-off, as the lock keeps it.
/// TRTEMFL: an event of the term began on or after the first dose.
/// </summary>
public static class Adae
{
    public const string Name = "ADAE";

    public static readonly IReadOnlyList<Variable> Variables =
    [
        Adam.StudyId, Adam.UsubjId, Adam.SubjId,
        new("TRT01A", "Actual Treatment for Period 01", VariableType.Text, Origin: "Predecessor", CodeList: "ARM", Derivation: "ADSL.TRT01A"),
        new("SAFFL", "Safety Population Flag", VariableType.Text, Length: 1, Origin: "Predecessor", CodeList: "NY", Derivation: "ADSL.SAFFL"),
        new("AETERM", "Reported Term for the Adverse Event", VariableType.Text, Origin: "Predecessor", Derivation: "AE.AETERM: the study's term", Key: true),
        new("AEDECOD", "Dictionary-Derived Term", VariableType.Text, Origin: "Predecessor", CodeList: "MedDRA", Derivation: "AE.AEDECOD: the term's CTCAE (MedDRA) term in the study definition"),
        new("AEPTCD", "Preferred Term Code", VariableType.Integer, Origin: "Predecessor", CodeList: "MedDRA", Derivation: "AE.AEPTCD: the term's MedDRA code in the study definition"),
        new("AEBODSYS", "Body System or Organ Class", VariableType.Text, Origin: "Predecessor", CodeList: "MedDRA", Derivation: "AE.AEBODSYS: the term's system organ class in the study definition"),
        new("ATOXGR", "Analysis Toxicity Grade", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "TOXGR",
            Derivation: "The worst CTCAE grade of the term for the subject, over every report and grade change dated on or before the cut-off"),
        new("ATOXGRN", "Analysis Toxicity Grade (N)", VariableType.Integer, Origin: "Derived", Derivation: "ATOXGR as a number"),
        new("AESER", "Serious Event", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "NY", Derivation: "\"Y\" if any report of the term was serious; else \"N\""),
        new("TRTEMFL", "Treatment Emergent Analysis Flag", VariableType.Text, Length: 1, Origin: "Derived", CodeList: "Y",
            Derivation: "\"Y\" where an event of the term began on or after the first dose (AE.AESTDTC >= ADSL.TRTSDT, before the cut-off); else missing. "
                + "One record per subject and term: the flag says whether any of the term's events is treatment-emergent; ATOXGR is the worst grade of all of them."),
    ];

    public static Dataset Build(CohortSnapshot snapshot)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var s in snapshot.Subjects)
        {
            var treated = Adsl.Safety(s);
            var arm = Adam.ArmName(snapshot, s.Arm);
            foreach (var ae in s.AdverseEvents)
            {
                var term = snapshot.Definition.AdverseEvents.Terms.FirstOrDefault(t => t.Term == ae.Term);
                rows.Add([
                    snapshot.StudyId, Adam.Usubjid(snapshot.StudyId, s.SubjectNumber), s.SubjectNumber, treated ? arm : null, Adam.YesNo(treated),
                    ae.Term, term?.CtcaeTerm, long.TryParse(term?.MeddraCode, out var code) ? code : null, term?.Soc, ae.WorstGrade.ToString(System.Globalization.CultureInfo.InvariantCulture), ae.WorstGrade,
                    Adam.YesNo(ae.Serious), Adam.Flag(treated && ae.LatestOnset >= s.FirstDoseDate),
                ]);
            }
        }
        return new Dataset(Name, "Adverse Events Analysis Dataset", "OCCURRENCE DATA STRUCTURE", Variables, rows);
    }
}
