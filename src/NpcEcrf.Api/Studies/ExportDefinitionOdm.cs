using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>One version of a study's definition (the latest unless asked) as a CDISC ODM 1.3.2 Snapshot (<see cref="DefinitionOdm"/>).</summary>
public static class ExportDefinitionOdm
{
    /// <summary>The version numbered <paramref name="version"/>, or the latest when none is asked for.</summary>
    public static DefinitionVersion? Version(Study study, int? version) =>
        version is { } n ? study.Versions.FirstOrDefault(v => v.Version == n) : study.Versions.LastOrDefault();

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/definition.odm.xml", async (string studyId, int? version, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is not { } study) return Problems.NotFound($"Study '{studyId}'");
            return Version(study, version) is { } found
                ? Results.Text(DefinitionOdm.Export(study.StudyId, study.Title, found, clock.GetUtcNow()), "application/xml")
                : Problems.NotFound($"Version {version} of study '{studyId}'");
        })
        .ProducesDocument("application/xml")
        .Refuses(404)
        .Operation("exportStudyDefinitionOdm", "Export a study's definition as an ODM 1.3.2 MetaDataVersion", "Studies");
}
