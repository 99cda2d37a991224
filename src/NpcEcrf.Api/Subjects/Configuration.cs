using JasperFx.Events.Projections;
using Marten;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Subjects;

public static class SubjectConfiguration
{
    public static void ConfigureSubjects(this StoreOptions opts)
    {
        // The casebook must be consistent with the stream it was read from: inline.
        opts.Projections.Snapshot<Casebook>(SnapshotLifecycle.Inline);
        opts.Schema.For<Casebook>().Index(c => c.SiteId).Index(c => c.StudyId);
        opts.Schema.For<ProcessedCommand>();
        QualitySummaryProjection.Configure(opts);
    }

    public static void MapSubjects(this IEndpointRouteBuilder app)
    {
        EnrolSubject.Map(app);
        RecordDemographics.Map(app);
        RecordEcog.Map(app);
        RecordDiseaseStatus.Map(app);
        RecordMetastaticSites.Map(app);
        RecordPriorTherapy.Map(app);
        GiveFirstDose.Map(app);
        RecordCycle.Map(app);
        ChangeDose.Map(app);
        InterruptDosing.Map(app);
        ResumeDosing.Map(app);
        DiscontinueTreatment.Map(app);
        RecordBaselineLesions.Map(app);
        RecordTumourAssessment.Map(app);
        ReportAdverseEvent.Map(app);
        ChangeAdverseEventGrade.Map(app);
        ResolveAdverseEvent.Map(app);
        RecordContact.Map(app);
        RecordDeath.Map(app);
        RecordLostToFollowUp.Map(app);
        CorrectDataPoint.Map(app);
        VerifySourceData.Map(app);
        ReadSdvProgress.Map(app);
        SignCasebook.Map(app);
        ReadCasebooks.Map(app);
        TimeTravel.Map(app);
        QualitySummaryProjection.Map(app);
    }
}
