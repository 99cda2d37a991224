using JasperFx.Events;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Subjects;

public enum SubjectStatus { Enrolled, OnTreatment, OffTreatment, Dead, LostToFollowUp }

/// <summary>An adverse event as it stands: the reported form plus its grade history and resolution.</summary>
public sealed record AdverseEventEntry(AdverseEventReported Report, IReadOnlyList<AdverseEventGradeChanged> GradeChanges, DateOnly? ResolutionDate)
{
    public int CurrentGrade => GradeChanges.Count == 0 ? Report.Grade : GradeChanges[^1].Grade;
    public int WorstGrade => GradeChanges.Select(g => g.Grade).Append(Report.Grade).Max();
}

/// <summary>A correction as the casebook shows it: both values, why, and at which version.</summary>
public sealed record CorrectionEntry(string Form, string Field, string OldValue, string NewValue, string Reason, long Version, string? User, DateTimeOffset Timestamp);

/// <summary>A form's provenance: the stream version of the event that last set its values.</summary>
public sealed record FormVersion(string Form, long Version);

/// <summary>A source data verification as it stands; revoked ones stay visible with the version that changed them.</summary>
public sealed record Verification(string Form, string? Field, long VerifiedAtVersion, string? Monitor, long? RevokedAtVersion)
{
    public bool Active => RevokedAtVersion is null;
}

public enum SignatureState { Unsigned, Signed, Voided }

/// <summary>The casebook's signature status: a signature stands only while no data changed after the version it signed.</summary>
public sealed record SignatureStatus(SignatureState State, CasebookSigned? Signature, long? VoidedByDataVersion);

/// <summary>
/// One subject's casebook: every form's current values, rebuilt from the subject's stream (inline snapshot).
/// Derived results (responses, best overall response, status) are computed from these values on every
/// read, so they can never disagree with the events.
/// </summary>
public sealed class Casebook
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public string StudyId { get; set; } = "";
    public string SiteId { get; set; } = "";
    public string SubjectNumber { get; set; } = "";

    public SubjectEnrolled Enrolment { get; set; } = null!;
    public DemographicsRecorded? Demographics { get; set; }
    public EcogRecorded? Ecog { get; set; }
    public DiseaseStatusRecorded? DiseaseStatus { get; set; }
    public MetastaticSitesRecorded? MetastaticSites { get; set; }
    public PriorTherapyRecorded? PriorTherapy { get; set; }

    public FirstDoseGiven? FirstDose { get; set; }
    public List<CycleRecorded> Cycles { get; set; } = [];
    public List<DoseChanged> DoseChanges { get; set; } = [];
    public List<DosingInterrupted> Interruptions { get; set; } = [];
    public List<DosingResumed> Resumptions { get; set; } = [];
    public TreatmentDiscontinued? Discontinuation { get; set; }

    public BaselineLesionsRecorded? Baseline { get; set; }
    public List<TumourAssessed> Assessments { get; set; } = [];

    public List<AdverseEventEntry> AdverseEvents { get; set; } = [];
    public List<ContactRecorded> Contacts { get; set; } = [];
    public DeathRecorded? Death { get; set; }
    public LostToFollowUp? LostToFollowUp { get; set; }

    public List<EditCheckFlagged> Flags { get; set; } = [];
    public List<CorrectionEntry> Corrections { get; set; } = [];
    public List<FormVersion> FormVersions { get; set; } = [];
    public List<Verification> Verifications { get; set; } = [];
    public List<CasebookSigned> Signatures { get; set; } = [];
    /// <summary>The version of the last event that changed clinical data (not flags, verification or signatures).</summary>
    public long LastDataVersion { get; set; }

    public static Guid IdFor(string studyId, string subjectNumber) => StableIds.For("subject", studyId, subjectNumber);

    public static Casebook Create(IEvent<SubjectEnrolled> e)
    {
        var casebook = new Casebook
        {
            Id = e.StreamId, StudyId = e.Data.StudyId, SiteId = e.Data.SiteId, SubjectNumber = e.Data.SubjectNumber, Enrolment = e.Data,
        };
        casebook.Touch(CasebookForms.Enrolment, e.Version);
        return casebook;
    }

    public void Apply(IEvent<DemographicsRecorded> e) => Set(CasebookForms.Demographics, e, () => Demographics = e.Data);
    public void Apply(IEvent<EcogRecorded> e) => Set(CasebookForms.Ecog, e, () => Ecog = e.Data);
    public void Apply(IEvent<DiseaseStatusRecorded> e) => Set(CasebookForms.DiseaseStatus, e, () => DiseaseStatus = e.Data);
    public void Apply(IEvent<MetastaticSitesRecorded> e) => Set(CasebookForms.MetastaticSites, e, () => MetastaticSites = e.Data);
    public void Apply(IEvent<PriorTherapyRecorded> e) => Set(CasebookForms.PriorTherapy, e, () => PriorTherapy = e.Data);
    public void Apply(IEvent<FirstDoseGiven> e) => Set(CasebookForms.FirstDose, e, () => FirstDose = e.Data);
    public void Apply(IEvent<CycleRecorded> e) => Set(CasebookForms.Cycle(e.Data.CycleNumber), e, () => Cycles.Add(e.Data));
    public void Apply(IEvent<DoseChanged> e) => Set(CasebookForms.DoseChange(e.Data.ChangeId), e, () => DoseChanges.Add(e.Data));
    public void Apply(IEvent<DosingInterrupted> e) => Set(CasebookForms.Interruption(e.Data.InterruptionId), e, () => Interruptions.Add(e.Data));
    public void Apply(IEvent<DosingResumed> e) => Set(CasebookForms.Resumption(e.Data.InterruptionId), e, () => Resumptions.Add(e.Data));
    public void Apply(IEvent<TreatmentDiscontinued> e) => Set(CasebookForms.Discontinuation, e, () => Discontinuation = e.Data);
    public void Apply(IEvent<BaselineLesionsRecorded> e) => Set(CasebookForms.BaselineLesions, e, () => Baseline = e.Data);
    public void Apply(IEvent<TumourAssessed> e) => Set(CasebookForms.TumourAssessment(e.Data.AssessmentId), e, () => Assessments.Add(e.Data));
    public void Apply(IEvent<AdverseEventReported> e) =>
        Set(CasebookForms.AdverseEvent(e.Data.AdverseEventId), e, () => AdverseEvents.Add(new AdverseEventEntry(e.Data, [], null)));
    public void Apply(IEvent<AdverseEventGradeChanged> e) => Set(CasebookForms.AdverseEvent(e.Data.AdverseEventId), e,
        () => UpdateAdverseEvent(e.Data.AdverseEventId, ae => ae with { GradeChanges = [.. ae.GradeChanges, e.Data] }));
    public void Apply(IEvent<AdverseEventResolved> e) => Set(CasebookForms.AdverseEvent(e.Data.AdverseEventId), e,
        () => UpdateAdverseEvent(e.Data.AdverseEventId, ae => ae with { ResolutionDate = e.Data.ResolutionDate }));
    public void Apply(IEvent<ContactRecorded> e) => Set(CasebookForms.Contact(Contacts.Count + 1), e, () => Contacts.Add(e.Data));
    public void Apply(IEvent<DeathRecorded> e) => Set(CasebookForms.Death, e, () => Death = e.Data);
    public void Apply(IEvent<LostToFollowUp> e) => Set(CasebookForms.LostToFollowUp, e, () => LostToFollowUp = e.Data);
    public void Apply(IEvent<EditCheckFlagged> e) { Flags.Add(e.Data); Version = e.Version; }
    public void Apply(IEvent<EditCheckCleared> e)
    {
        Flags.RemoveAll(f => f.CheckId == e.Data.CheckId && f.Form == e.Data.Form && f.Field == e.Data.Field);
        Version = e.Version;
    }

    public void Apply(IEvent<SourceDataVerified> e)
    {
        Verifications.Add(new Verification(e.Data.Form, e.Data.Field, e.Version, e.UserName, null));
        Version = e.Version;
    }

    public void Apply(IEvent<SourceDataVerificationRevoked> e)
    {
        var index = Verifications.FindIndex(v => v.Active && v.Form == e.Data.Form && v.Field == e.Data.Field);
        if (index >= 0) Verifications[index] = Verifications[index] with { RevokedAtVersion = e.Data.ChangedAtVersion };
        Version = e.Version;
    }

    public void Apply(IEvent<CasebookSigned> e)
    {
        Signatures.Add(e.Data);
        Version = e.Version;
    }

    public void Apply(IEvent<DataPointCorrected> e)
    {
        CasebookForms.ApplyCorrection(this, e.Data);
        Corrections.Add(new CorrectionEntry(e.Data.Form, e.Data.Field, e.Data.OldValue, e.Data.NewValue, e.Data.Reason, e.Version, e.UserName, e.Timestamp));
        Touch(e.Data.Form, e.Version);
    }

    private void Set(string form, IEvent e, Action apply)
    {
        apply();
        Touch(form, e.Version);
    }

    private void Touch(string form, long version)
    {
        FormVersions.RemoveAll(f => f.Form == form);
        FormVersions.Add(new FormVersion(form, version));
        Version = Math.Max(Version, version);
        LastDataVersion = Math.Max(LastDataVersion, version);
    }

    private void UpdateAdverseEvent(string id, Func<AdverseEventEntry, AdverseEventEntry> change)
    {
        var index = AdverseEvents.FindIndex(a => a.Report.AdverseEventId == id);
        if (index >= 0) AdverseEvents[index] = change(AdverseEvents[index]);
    }

    // Derived on read -----------------------------------------------------------------------------

    public SubjectStatus Status =>
        Death is not null ? SubjectStatus.Dead
        : LostToFollowUp is not null ? SubjectStatus.LostToFollowUp
        : Discontinuation is not null ? SubjectStatus.OffTreatment
        : FirstDose is not null ? SubjectStatus.OnTreatment
        : SubjectStatus.Enrolled;

    public int? CurrentDoseMg =>
        DoseChanges.OrderBy(d => d.Date).LastOrDefault()?.ToMg ?? FirstDose?.DoseMg;

    public SignatureStatus SignatureStatus => Signatures.LastOrDefault() is not { } last
        ? new SignatureStatus(SignatureState.Unsigned, null, null)
        : last.SignedVersion >= LastDataVersion
            ? new SignatureStatus(SignatureState.Signed, last, null)
            : new SignatureStatus(SignatureState.Voided, last, LastDataVersion);

    /// <summary>The forms a casebook needs before an investigator may sign it.</summary>
    public IReadOnlyList<string> MissingForms => new (string Form, object? Value)[]
        {
            (CasebookForms.Demographics, Demographics), (CasebookForms.Ecog, Ecog), (CasebookForms.DiseaseStatus, DiseaseStatus),
            (CasebookForms.MetastaticSites, MetastaticSites), (CasebookForms.PriorTherapy, PriorTherapy),
            (CasebookForms.BaselineLesions, Baseline), (CasebookForms.FirstDose, FirstDose),
        }.Where(f => f.Value is null).Select(f => f.Form).ToList();

    /// <summary>RECIST per-visit responses (TRGRESP, NTRGRESP, OVRLRESP), recomputed from the measurements.</summary>
    public IReadOnlyList<Clinical.VisitResponse> Responses => Baseline is null ? [] : Clinical.Recist.Evaluate(Baseline, Assessments);

    /// <summary>Best overall response with confirmation and the SD minimum (BESTRESP).</summary>
    public Clinical.BestResponse? BestOverallResponse => Baseline is null || FirstDose is null ? null : Clinical.Recist.Best(FirstDose.Date, Responses);

    /// <summary>The latest date the clinic knew the subject alive.</summary>
    public DateOnly? LastKnownAlive => new DateOnly?[]
        {
            Enrolment.EnrolmentDate, FirstDose?.Date, LostToFollowUp?.LastKnownAliveDate,
            Contacts.Count > 0 ? Contacts.Max(c => c.Date) : null,
            Assessments.Count > 0 ? Assessments.Max(a => a.Date) : null,
            Cycles.Count > 0 ? Cycles.Max(c => c.StartDate) : null,
        }.Where(d => d.HasValue).Max();
}
