using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.Standards.Adam;

/// <summary>
/// ADaM (ADaMIG 1.3) datasets of one lock, as pure functions of its <see cref="CohortSnapshot"/>: the same frozen numbers
/// the lock's analysis used, so a statistician outside the system can refit them (docs/standards.md, "ADaM").
/// </summary>
public static class Adam
{
    public const string Standard = "ADaMIG 1.3";

    /// <summary>ADSL, ADTTE, ADRS and ADAE, in that order.</summary>
    /// <param name="studyTitle">Not a variable of any ADaM dataset: the file writers carry it in <see cref="DatasetSource"/>; taken so the SDTM and ADaM builders share one call shape.</param>
    public static IReadOnlyList<Dataset> Build(CohortSnapshot snapshot, string studyTitle) =>
        [Adsl.Build(snapshot), Adtte.Build(snapshot), Adrs.Build(snapshot), Adae.Build(snapshot)];

    /// <summary>USUBJID as SDTM builds it: STUDYID-SUBJID.</summary>
    public static string Usubjid(string studyId, string subjectNumber) => $"{studyId}-{subjectNumber}";

    /// <summary>The arm's name in the study definition (ARM, TRT01P); the code where the definition has no such arm.</summary>
    internal static string ArmName(CohortSnapshot snapshot, string code) => snapshot.Definition.Treatment.Arms.FirstOrDefault(a => a.Code == code)?.Name ?? code;

    internal static readonly Variable StudyId = new("STUDYID", "Study Identifier", VariableType.Text, Origin: "Predecessor", Derivation: "DM.STUDYID", Key: true);
    internal static readonly Variable UsubjId = new("USUBJID", "Unique Subject Identifier", VariableType.Text, Origin: "Predecessor", Derivation: "DM.USUBJID (STUDYID-SUBJID)", Key: true);
    internal static readonly Variable SubjId = new("SUBJID", "Subject Identifier for the Study", VariableType.Text, Origin: "Predecessor", Derivation: "DM.SUBJID");

    /// <summary>ADaM flags are "Y" or null (missing), never "N", except where the IG names Y/N (population flags, AESER).</summary>
    internal static string? Flag(bool value) => value ? "Y" : null;
    internal static string YesNo(bool value) => value ? "Y" : "N";
}
