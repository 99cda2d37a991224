using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>ADRS: each follow-up visit's RECIST 1.1 overall response (OVRLRESP) and each evaluable subject's best overall response (BESTRESP).</summary>
public static class Adrs
{
    public const string Name = "ADRS";
    public const string Overall = "OVRLRESP", Best = "BESTRESP";

    public static readonly IReadOnlyList<Variable> Variables =
    [
        Adam.StudyId, Adam.UsubjId, Adam.SubjId,
        new("SAFFL", "Safety Population Flag", VariableType.Text, Length: 1, Origin: "Predecessor", CodeList: "NY", Derivation: "ADSL.SAFFL"),
        new("EFFFL", "Efficacy Population Flag", VariableType.Text, Length: 1, Origin: "Predecessor", CodeList: "NY", Derivation: "ADSL.EFFFL"),
        new("PARAMCD", "Parameter Code", VariableType.Text, Length: 8, Origin: "Assigned", CodeList: "PARAMCD.ADRS", Key: true),
        new("PARAM", "Parameter", VariableType.Text, Origin: "Assigned", CodeList: "PARAM.ADRS"),
        new("AVISIT", "Analysis Visit", VariableType.Text, Origin: "Derived", Derivation: "OVRLRESP: the tumour assessment's identifier (RS.VISIT); BESTRESP: missing", Key: true),
        new("AVALC", "Analysis Value (C)", VariableType.Text, Origin: "Derived", CodeList: "RECIST",
            Derivation: "OVRLRESP: RECIST 1.1 overall response of the visit from target, non-target and new lesions (RS.RSSTRESC, OVRLRESP). "
                + "BESTRESP: the lock's best overall response up to the first progression: CR/PR confirmed where the protocol requires it, else SD after the protocol's minimum, else PD, else NE. "
                + "Subjects without baseline lesions or first dose have no BESTRESP record; the analysis counts them as NE."),
        new("ADT", "Analysis Date", VariableType.Date, Origin: "Derived", Derivation: "OVRLRESP: the assessment date (RS.RSDTC). BESTRESP: the date of the first assessment that established the best response; missing for NE", Key: true),
        new("ADY", "Analysis Relative Day", VariableType.Integer, Origin: "Derived", Derivation: "ADT - ADSL.TRTSDT + 1 where ADT is on or after TRTSDT, ADT - TRTSDT before it"),
    ];

    public static Dataset Build(CohortSnapshot snapshot)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var s in snapshot.Subjects)
        {
            object?[] Row(string paramcd, string param, string? visit, Response response, DateOnly? date) =>
            [
                snapshot.StudyId, Adam.Usubjid(snapshot.StudyId, s.SubjectNumber), s.SubjectNumber, Adam.YesNo(Adsl.Safety(s)), Adam.YesNo(Adsl.Efficacy(s)),
                paramcd, param, visit, response.ToString(), date, RelativeDay(date, s.FirstDoseDate),
            ];
            rows.AddRange(s.Responses.OrderBy(v => v.Date).Select(v => Row(Overall, "Overall Response by Investigator (RECIST 1.1)", v.AssessmentId, v.Overall, v.Date)));
            if (s.BestOverallResponse is { } best && s.FirstDoseDate is { } firstDose)
            {
                // The snapshot keeps the response, not the visits behind it; RECIST's own choice of them gives the date.
                var established = Recist.Best(firstDose, s.Responses, snapshot.Definition.Recist).AssessmentIds.FirstOrDefault();
                rows.Add(Row(Best, "Best Overall Response by Investigator (RECIST 1.1)", null, best, s.Responses.FirstOrDefault(v => v.AssessmentId == established)?.Date));
            }
        }
        return new Dataset(Name, "Response Analysis Dataset", "BASIC DATA STRUCTURE", Variables, rows);
    }

    private static int? RelativeDay(DateOnly? date, DateOnly? origin) =>
        date is { } d && origin is { } o ? d.DayNumber - o.DayNumber + (d >= o ? 1 : 0) : null;
}
