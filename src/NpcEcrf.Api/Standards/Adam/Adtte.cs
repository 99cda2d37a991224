using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>
/// ADTTE: PFS and OS per treated subject, copied from the snapshot's <see cref="TimeToEventRecord"/>s (never recomputed)
/// under ../shared/docs/statistics.md: origin first dose; AVAL = date - origin + 1 days; months = AVAL / 30.4375.
/// </summary>
public static class Adtte
{
    public const string Name = "ADTTE";
    public const string Pfs = "PFS", Os = "OS";

    private const string Origin = "STARTDT is the first dose date (ADSL.TRTSDT); AVAL = ADT - STARTDT + 1 in days; months = AVAL / 30.4375. Nothing dated after the lock's cut-off is seen.";
    private const string PfsRule = "PFS: event (CNSR = 0) at the first RECIST 1.1 progression (date of the assessment showing it) or death from any cause, whichever is first; "
        + "otherwise censored (CNSR = 1) at the last adequate tumour assessment (overall response not NE) on or before the cut-off; with no post-baseline assessment, censored at day 1 (ADT = STARTDT).";
    private const string OsRule = "OS: event (CNSR = 0) at death from any cause; otherwise censored (CNSR = 1) at the last date known alive on or before the cut-off "
        + "(enrolment, contacts, tumour assessments, cycle starts, last known alive at loss to follow-up).";

    public static readonly IReadOnlyList<Variable> Variables =
    [
        Adam.StudyId, Adam.UsubjId, Adam.SubjId,
        new("TRT01P", "Planned Treatment for Period 01", VariableType.Text, Origin: "Predecessor", CodeList: "ARM", Derivation: "ADSL.TRT01P"),
        new("SAFFL", "Safety Population Flag", VariableType.Text, Length: 1, Origin: "Predecessor", CodeList: "NY", Derivation: "ADSL.SAFFL"),
        new("EFFFL", "Efficacy Population Flag", VariableType.Text, Length: 1, Origin: "Predecessor", CodeList: "NY", Derivation: "ADSL.EFFFL"),
        new("PARAMCD", "Parameter Code", VariableType.Text, Length: 8, Origin: "Assigned", CodeList: "PARAMCD.ADTTE", Key: true),
        new("PARAM", "Parameter", VariableType.Text, Origin: "Assigned", CodeList: "PARAM.ADTTE"),
        new("AVAL", "Analysis Value", VariableType.Integer, Origin: "Derived", Derivation: Origin + " " + PfsRule + " " + OsRule),
        new("AVALU", "Analysis Value Unit", VariableType.Text, Origin: "Assigned", Derivation: "\"DAYS\"; the analysis reports months = AVAL / 30.4375"),
        new("STARTDT", "Time-to-Event Origin Date for Subject", VariableType.Date, Origin: "Derived", Derivation: "ADSL.TRTSDT (first dose)"),
        new("ADT", "Analysis Date", VariableType.Date, Origin: "Derived", Derivation: "The event or censoring date: " + PfsRule + " " + OsRule),
        new("CNSR", "Censor", VariableType.Integer, Origin: "Derived", Derivation: "0 for an event, 1 for a censored time"),
        new("EVNTDESC", "Event or Censoring Description", VariableType.Text, Origin: "Derived", Derivation: "What the event is (CNSR = 0) or why the time is censored (CNSR = 1), as the lock's time-to-event record describes it"),
        new("CNSDTDSC", "Censor Date Description", VariableType.Text, Origin: "Derived", Derivation: "Where CNSR = 1: what the censoring date is"),
        new("SRCDOM", "Source Data", VariableType.Text, Origin: "Derived", Derivation: "The SDTM domain ADT comes from where it is a single one"),
        new("SRCVAR", "Source Variable", VariableType.Text, Origin: "Derived", Derivation: "The SDTM variable ADT comes from where it is a single one"),
    ];

    /// <summary>The SDTM source and censoring description of each of TimeToEvent's descriptions; the OS censoring date has several sources.</summary>
    private static (string? Domain, string? Variable, string? CensorDate) Source(TimeToEventRecord r) => r.Description switch
    {
        "Disease progression (RECIST 1.1)" => ("RS", "RSDTC", null),
        "Death" => ("DM", "DTHDTC", null),
        "Censored at the last adequate tumour assessment" => ("RS", "RSDTC", "Last adequate tumour assessment"),
        "Censored at day 1: no post-baseline assessment" => ("EX", "EXSTDTC", "First dose (no post-baseline assessment)"),
        _ => (null, null, r.Event ? null : "Last date known alive"),
    };

    public static string ParamOf(string paramcd) => paramcd == Pfs ? "Progression-Free Survival (Days)" : "Overall Survival (Days)";

    /// <summary>Months as the analysis counts them.</summary>
    public static double Months(int days) => days / TimeToEvent.DaysPerMonth;

    public static Dataset Build(CohortSnapshot snapshot)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var s in snapshot.Subjects)
        {
            var arm = Adam.ArmName(snapshot, s.Arm);
            foreach (var (paramcd, record) in new[] { (Os, s.Os), (Pfs, s.Pfs) })
            {
                if (record is null) continue;
                var (domain, variable, censorDate) = Source(record);
                rows.Add([
                    snapshot.StudyId, Adam.Usubjid(snapshot.StudyId, s.SubjectNumber), s.SubjectNumber, arm,
                    Adam.YesNo(Adsl.Safety(s)), Adam.YesNo(Adsl.Efficacy(s)),
                    paramcd, ParamOf(paramcd), record.Days, "DAYS", record.Origin, record.Date, record.Event ? 0 : 1,
                    record.Description, record.Event ? null : censorDate, domain, variable,
                ]);
            }
        }
        return new Dataset(Name, "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE", Variables, rows);
    }
}
