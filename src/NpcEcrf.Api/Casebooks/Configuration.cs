using NpcEcrf.Api.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;

namespace NpcEcrf.Api.Casebooks;

public static class SubjectConfiguration
{
    public static void ConfigureSubjects(this StoreOptions opts, bool asyncProjections = true)
    {
        // The casebook must be consistent with the stream it was read from: inline.
        opts.Projections.Add(new CasebookProjection(), ProjectionLifecycle.Inline);
        opts.Schema.For<Casebook>().Index(c => c.SiteId).Index(c => c.StudyId);
        opts.Schema.For<ProcessedCommand>();
        if (asyncProjections) QualitySummaryProjection.Configure(opts);
    }

    public static void MapSubjects(this IEndpointRouteBuilder app)
    {
        // Every form's own endpoints come from the catalogue: a new form maps itself.
        FormCatalogue.MapEndpoints(app);
        StudyForms.EnterStudyForm.Map(app);
        CorrectDataPoint.Map(app);
        VerifySourceData.Map(app);
        ReadSdvProgress.Map(app);
        SignCasebook.Map(app);
        ReadCasebooks.Map(app);
        TimeTravel.Map(app);
        QualitySummaryProjection.Map(app);
    }
}
