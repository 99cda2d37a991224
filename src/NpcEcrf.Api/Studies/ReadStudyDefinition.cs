using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>GET /studies/{studyId}/definition?version=N: one version of the definition (default: the one in force today, UTC).</summary>
public static class ReadStudyDefinition
{
    /// <summary>A version with what it says about itself; <see cref="Definition"/> is the document a data manager writes (and PUTs back).</summary>
    public sealed record VersionView(string StudyId, int Version, DateOnly EffectiveFrom, bool Amendment, string? Reason, string? ChangedBy,
        DateTimeOffset? RecordedAt, bool InForce, JsonElement Definition);

    /// <summary>The definition as its JSON document: camelCase names and values, no nulls (derived members are never written).</summary>
    public static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The version asked for, or the one in force today when none is; null when the study has no such version.</summary>
    public static VersionView? Find(Study study, int? version, DateOnly today)
    {
        var inForce = study.VersionOn(today);
        return (version is { } n ? study.VersionNumbered(n) : inForce) is not { } v ? null
            : new VersionView(study.StudyId, v.Version, v.EffectiveFrom, v.Amendment, v.Reason, v.ChangedBy, v.RecordedAt, v.Version == inForce.Version,
                JsonSerializer.SerializeToElement(v.Definition, DocumentJson));
    }

    /// <summary>Every signed-in role may read the definition: it is the protocol the site works to.</summary>
    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/definition", async (string studyId, int? version, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        {
            if (await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is not { } study) return Problems.NotFound($"Study '{studyId}'");
            return Find(study, version, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)) is { } found
                ? Results.Json(found, DocumentJson)
                : Problems.NotFound($"Version {version} of study {study.StudyId}'s definition");
        })
        .Produces<VersionView>()
        .Refuses(404)
        .Operation("getStudyDefinition", "Read a study's definition (the version in force, or the one asked for)", "Studies");
}
