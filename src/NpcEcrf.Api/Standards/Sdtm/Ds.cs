using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Survival;

namespace NpcEcrf.Api.Standards.Sdtm;

/// <summary>DS: informed consent and enrolment (protocol milestones), treatment discontinuation, death and loss to follow-up (disposition events).</summary>
internal static class Ds
{
    private static readonly Variable[] Variables =
    [
        Sdtm.StudyId, Sdtm.Domain, Sdtm.UsubjId, Sdtm.Seq("DS"),
        new("DSTERM", "Reported Term for the Disposition Event", VariableType.Text, Origin: "Collected"),
        new("DSDECOD", "Standardized Disposition Term", VariableType.Text, Origin: "Assigned", CodeList: "NCOMPLT",
            Derivation: "Discontinuation reason: Progression = PROGRESSIVE DISEASE, Toxicity = ADVERSE EVENT, Withdrawal = WITHDRAWAL BY SUBJECT, Death = DEATH, Other = OTHER; milestones from PROTMLST", Key: true),
        new("DSCAT", "Category for Disposition Event", VariableType.Text, Origin: "Assigned", CodeList: "DSCAT"),
        new("DSSCAT", "Subcategory for Disposition Event", VariableType.Text, Origin: "Assigned"),
        Sdtm.Epoch,
        new("DSSTDTC", "Start Date/Time of Disposition Event", VariableType.Text, Origin: "Collected", Key: true),
    ];

    /// <summary>NCOMPLT (C66727) terms for the product's discontinuation reasons.</summary>
    public static string Decode(DiscontinuationReason reason) => reason switch
    {
        DiscontinuationReason.Progression => "PROGRESSIVE DISEASE",
        DiscontinuationReason.Toxicity => "ADVERSE EVENT",
        DiscontinuationReason.Withdrawal => "WITHDRAWAL BY SUBJECT",
        DiscontinuationReason.Death => "DEATH",
        _ => "OTHER",
    };

    public static Dataset Build(IReadOnlyList<SdtmSubject> subjects) =>
        Sdtm.Make("DS", "Disposition", "EVENTS", Variables, subjects.SelectMany(s => Records(s)));

    private static IEnumerable<Dictionary<string, object?>> Records(SdtmSubject s)
    {
        var c = s.Casebook;
        Dictionary<string, object?> Record(string term, string decode, string category, string? subcategory, DateOnly date)
        {
            var row = s.Row("DS");
            row["DSTERM"] = term;
            row["DSDECOD"] = decode;
            row["DSCAT"] = category;
            row["DSSCAT"] = subcategory;
            row["EPOCH"] = s.Epoch(date);
            row["DSSTDTC"] = Sdtm.Dtc(date);
            return row;
        }
        yield return Record("INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE", null, c.Enrolment.ConsentDate);
        yield return Record("ENROLLED", "ENROLLED", "PROTOCOL MILESTONE", null, c.Enrolment.EnrolmentDate);
        if (c.Discontinuation is { } d && d.Date <= s.Cutoff)
            yield return Record(d.Details is { Length: > 0 } details ? $"{d.Reason}: {details}" : d.Reason.ToString(), Decode(d.Reason), "DISPOSITION EVENT", "STUDY TREATMENT", d.Date);
        if (s.Death is { } death)
            yield return Record(c.Death!.Cause is { Length: > 0 } cause ? $"DEATH: {cause}" : "DEATH", "DEATH", "DISPOSITION EVENT", "STUDY PARTICIPATION", death);
        else if (c.LostToFollowUp is { } lost && lost.LastKnownAliveDate <= s.Cutoff)
            yield return Record(lost.Details is { Length: > 0 } details ? $"LOST TO FOLLOW-UP: {details}" : "LOST TO FOLLOW-UP", "LOST TO FOLLOW-UP", "DISPOSITION EVENT", "STUDY PARTICIPATION", lost.LastKnownAliveDate);
    }
}
