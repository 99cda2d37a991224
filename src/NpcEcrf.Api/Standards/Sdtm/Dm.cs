using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>DM: one record per subject enrolled on or before the cut-off (screen failures have no casebook: Screening/ keeps them).</summary>
internal static class Dm
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId,
        new("SUBJID", "Subject Identifier for the Study", VariableType.Text, Origin: "Collected"),
        new("RFSTDTC", "Subject Reference Start Date/Time", VariableType.Text, Origin: "Derived", Derivation: "Date of the first dose (EX.EXSTDTC of the first record)"),
        new("RFENDTC", "Subject Reference End Date/Time", VariableType.Text, Origin: "Derived", Derivation: "RFXENDTC: the end of the last exposure"),
        new("RFXSTDTC", "Date/Time of First Study Treatment", VariableType.Text, Origin: "Derived", Derivation: "Earliest EX.EXSTDTC"),
        new("RFXENDTC", "Date/Time of Last Study Treatment", VariableType.Text, Origin: "Derived", Derivation: "Latest EX.EXENDTC (last cycle start + days on - 1)"),
        new("RFICDTC", "Date/Time of Informed Consent", VariableType.Text, Origin: "Collected"),
        new("RFPENDTC", "Date/Time of End of Participation", VariableType.Text, Origin: "Derived",
            Derivation: "Death date, else the last date the subject was known alive on or before the cut-off (enrolment, cycles, scans, contacts, lost to follow-up)"),
        new("DTHDTC", "Date/Time of Death", VariableType.Text, Origin: "Collected"),
        new("DTHFL", "Subject Death Flag", VariableType.Text, 1, "Derived", "NY", "\"Y\" if a death is recorded on or before the cut-off; else missing"),
        new("SITEID", "Study Site Identifier", VariableType.Text, Origin: "Collected"),
        new("AGE", "Age", VariableType.Integer, Origin: "Collected"),
        new("AGEU", "Age Units", VariableType.Text, Origin: "Assigned", CodeList: "AGEU"),
        new("SEX", "Sex", VariableType.Text, Origin: "Collected", CodeList: "SEX"),
        new("ARMCD", "Planned Arm Code", VariableType.Text, 20, "Assigned", "ARMCD"),
        new("ARM", "Description of Planned Arm", VariableType.Text, Origin: "Assigned", CodeList: "ARM"),
        new("ACTARMCD", "Actual Arm Code", VariableType.Text, 20, "Derived", "ARMCD", "ARMCD if a first dose was given on or before the cut-off; else missing"),
        new("ACTARM", "Description of Actual Arm", VariableType.Text, Origin: "Derived", CodeList: "ARM", Derivation: "ARM if a first dose was given on or before the cut-off; else missing"),
        new("ARMNRS", "Reason Arm and/or Actual Arm is Null", VariableType.Text, Origin: "Derived", CodeList: "ARMNULRS",
            Derivation: "\"ASSIGNED, NOT TREATED\" when ACTARMCD is missing"),
    ];

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition) =>
        Sdtm.Make("DM", "Demographics", "SPECIAL PURPOSE", Variables, subjects.Select(s =>
        {
            var c = s.Casebook;
            var arm = definition.Arm(c.Enrolment.Arm);
            var treated = s.Snapshot.FirstDoseDate is not null;
            var row = s.Row("DM");
            row["SUBJID"] = c.SubjectNumber;
            row["RFSTDTC"] = row["RFXSTDTC"] = Sdtm.Dtc(s.Snapshot.FirstDoseDate);
            row["RFENDTC"] = row["RFXENDTC"] = Sdtm.Dtc(s.Snapshot.LastDoseDate);
            row["RFICDTC"] = Sdtm.Dtc(c.Enrolment.ConsentDate);
            row["RFPENDTC"] = Sdtm.Dtc(s.Death ?? s.Snapshot.Os?.Date ?? c.Enrolment.EnrolmentDate);
            row["DTHDTC"] = Sdtm.Dtc(s.Death);
            row["DTHFL"] = s.Death is null ? null : "Y";
            row["SITEID"] = c.SiteId;
            row["AGE"] = c.Demographics?.AgeAtEnrolment;
            row["AGEU"] = c.Demographics is null ? null : "YEARS";
            row["SEX"] = c.Demographics?.Sex;
            row["ARMCD"] = c.Enrolment.Arm;
            row["ARM"] = arm?.Name ?? c.Enrolment.Arm;
            row["ACTARMCD"] = treated ? c.Enrolment.Arm : null;
            row["ACTARM"] = treated ? arm?.Name ?? c.Enrolment.Arm : null;
            row["ARMNRS"] = treated ? null : "ASSIGNED, NOT TREATED";
            return row;
        }));
}

/// <summary>SUPPDM: the items of the study's baseline forms that no domain takes (forms without a Domain), one record per entered value.</summary>
internal static class SuppDm
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId,
        new("RDOMAIN", "Related Domain Abbreviation", VariableType.Text, 2, "Assigned", Key: true),
        Sdtm.UsubjId,
        new("IDVAR", "Identifying Variable", VariableType.Text, Origin: "Assigned", Key: true),
        new("IDVARVAL", "Identifying Variable Value", VariableType.Text, Origin: "Assigned", Key: true),
        new("QNAM", "Qualifier Variable Name", VariableType.Text, 8, "Assigned", Key: true),
        new("QLABEL", "Qualifier Variable Label", VariableType.Text, 40, "Assigned"),
        new("QVAL", "Data Value", VariableType.Text, Origin: "Collected"),
        new("QORIG", "Origin", VariableType.Text, Origin: "Assigned"),
        new("QEVAL", "Evaluator", VariableType.Text, Origin: "Assigned"),
    ];

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects, StudyDefinition definition)
    {
        var withDomain = definition.StudyForms.Where(f => f.Domain is not null).Select(f => f.Name + ".").ToList();
        // The same names as ADSL's baseline covariates, so a reviewer can follow a value from SUPPDM to ADSL.
        var covariates = Adam.Adsl.Covariates(definition).Where(x => !withDomain.Any(x.Key.StartsWith)).ToList();
        return Sdtm.Make("SUPPDM", "Supplemental Qualifiers for DM", "RELATIONSHIP", Variables, subjects.SelectMany(s => covariates
            .Select(x => (x, Value: s.Snapshot.Baseline.GetValueOrDefault(x.Key)))
            .Where(x => x.Value is not null)
            .Select(x =>
            {
                var row = new Dictionary<string, object?> { ["STUDYID"] = s.StudyId, ["RDOMAIN"] = "DM", ["USUBJID"] = s.Usubjid };
                row["QNAM"] = x.x.Variable.Name;
                row["QLABEL"] = x.x.Variable.Label;
                row["QVAL"] = Text(x.Value!);
                row["QORIG"] = "CRF";
                return row;
            })));
    }

    /// <summary>A collected value as SDTM text: booleans as Y/N (NY code list), numbers invariant, text as entered.</summary>
    internal static string Text(JsonNode value) => value.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.True => "Y",
        System.Text.Json.JsonValueKind.False => "N",
        System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
        _ => value.ToJsonString(),
    };
}
