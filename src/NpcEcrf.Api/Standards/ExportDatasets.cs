using System.IO.Compression;
using System.Reflection;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Standards.Formats;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Standards;

public enum StandardKind { Sdtm, Adam }

public enum DatasetFormat { Json, Xpt, Csv }

/// <summary>One file of an export: its name and its bytes.</summary>
public sealed record ExportFile(string Name, byte[] Content);

/// <summary>
/// A lock's SDTM or ADaM datasets in one format, with the Define-XML that describes them: the command line writes
/// them to a folder, HTTP answers them as one zip. Both cut from the lock's frozen data only (hash checked).
/// </summary>
public static class ExportDatasets
{
    public const string SourceSystem = "NpcEcrf";
    public static readonly string SourceSystemVersion = typeof(ExportDatasets).Assembly.GetName().Version?.ToString() ?? "0";

    public static async Task<(IReadOnlyList<ExportFile> Files, Rejection? Problem)> Of(IQuerySession session, DatabaseLock l, StandardKind kind, DatasetFormat format, CancellationToken ct)
    {
        var (snapshot, problem) = await ReadLocks.FrozenSnapshot(session, l, ct);
        if (problem is not null) return ([], problem);
        var title = (await session.LoadAsync<Study>(Study.IdFor(l.StudyId), ct))!.Title;
        var datasets = kind == StandardKind.Adam ? Adam.Adam.Build(snapshot!, title) : await Sdtm.Sdtm.FromLock(session, l, ct);
        return (Files(datasets, Source(l.StudyId, title, l.Name, l.SnapshotHash, snapshot!, l.LockedAt, kind), snapshot!.Definition, format), null);
    }

    /// <summary>
    /// The study as the database knew it at a moment, with a clinical cut-off (the date of the moment unless given), as an
    /// auditor reads an as-of analysis: nothing is persisted, and the files name the moment and the snapshot's hash.
    /// The events are replayed once, for the snapshot (ADaM) and the casebooks (SDTM) alike.
    /// </summary>
    public static async Task<(IReadOnlyList<ExportFile> Files, Rejection? Problem)> AsOf(IQuerySession session, string studyId, DateTimeOffset at, DateOnly? cutoff,
        StandardKind kind, DatasetFormat format, CancellationToken ct)
    {
        var highWaterMark = await CohortReplay.HighWaterMark(session, at, ct);
        var clinicalCutoff = cutoff ?? DateOnly.FromDateTime(at.UtcDateTime);
        if (await CohortReplay.Cohort(session, studyId, highWaterMark, ct) is not { } cohort) return ([], Rejection.NotFound($"Study '{studyId}' as of {at:O}"));
        var snapshot = CohortSnapshot.Build(cohort.Study, cohort.Casebooks, cohort.Queries, clinicalCutoff, highWaterMark);
        var datasets = kind == StandardKind.Adam ? Adam.Adam.Build(snapshot, cohort.Study.Title)
            : Sdtm.Sdtm.Build(cohort.Study, snapshot.Definition, cohort.Casebooks, clinicalCutoff);
        var source = Source(cohort.Study.StudyId, cohort.Study.Title, $"as-of-{at.UtcDateTime:yyyyMMddTHHmmssZ}", snapshot.CanonicalHash(), snapshot, at, kind);
        return (Files(datasets, source, snapshot.Definition, format), null);
    }

    private static DatasetSource Source(string studyId, string title, string name, string hash, CohortSnapshot snapshot, DateTimeOffset at, StandardKind kind) =>
        new(studyId, title, name, hash, snapshot.Cutoff, at, snapshot.HighWaterMark, snapshot.DefinitionVersion,
            kind == StandardKind.Adam ? Adam.Adam.Standard : Sdtm.Sdtm.Standard, SourceSystem, SourceSystemVersion);

    /// <summary>Every dataset in the format, then the Define-XML that describes them.</summary>
    private static IReadOnlyList<ExportFile> Files(IReadOnlyList<Dataset> datasets, DatasetSource source, StudyDefinition definition, DatasetFormat format) =>
        [.. datasets.Select(d => Write(d, source, format)), Define(datasets, source, definition)];

    private static ExportFile Write(Dataset dataset, DatasetSource source, DatasetFormat format)
    {
        using var output = new MemoryStream();
        switch (format)
        {
            case DatasetFormat.Json: DatasetJson.Write(dataset, source, output); return new ExportFile(DatasetJson.FileName(dataset), output.ToArray());
            case DatasetFormat.Xpt: Xpt.Write(dataset, source, output); return new ExportFile(Xpt.FileName(dataset), output.ToArray());
            default: DatasetCsv.Write(dataset, source, output); return new ExportFile(DatasetCsv.FileName(dataset), output.ToArray());
        }
    }

    private static ExportFile Define(IReadOnlyList<Dataset> datasets, DatasetSource source, StudyDefinition definition)
    {
        using var output = new MemoryStream();
        DefineXml.Write(datasets, source, definition, output, source.LockedAt);
        return new ExportFile("define.xml", output.ToArray());
    }

    /// <summary>The files as one zip (for HTTP).</summary>
    public static byte[] Zip(IReadOnlyList<ExportFile> files)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var file in files)
            {
                var entry = zip.CreateEntry(file.Name, CompressionLevel.Optimal);
                using var stream = entry.Open();
                stream.Write(file.Content);
            }
        return output.ToArray();
    }

    /// <summary>GET /locks/{lockRef}/export/{standard}?format=json|xpt|csv: a zip of the datasets and define.xml, for the readers of a whole lock.</summary>
    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/locks/{lockRef}/export/{standard}", async (string lockRef, string standard, string? format, IQuerySession session, CancellationToken ct) =>
        {
            if (Parse(standard, format) is not var (kind, as_, badFormat)) return Problems.NotFound($"Standard '{standard}' (sdtm or adam)");
            if (badFormat is not null) return badFormat;
            if (await ReadLocks.Find(session, lockRef, ct) is not { } l) return Problems.NotFound($"Lock '{lockRef}'");
            var (files, problem) = await Of(session, l, kind, as_, ct);
            return problem?.ToHttp() ?? Results.File(Zip(files), "application/zip", $"{l.Name}-{kind.ToString().ToLowerInvariant()}-{as_.ToString().ToLowerInvariant()}.zip");
        })
        .RequireAuthorization(p => p.RequireRole(ReadLocks.StudyWideReaders))
        .ProducesDocument("application/zip")
        .Refuses(400, 403, 404, 409)
        .Operation("exportLockDatasets", "Export a lock's SDTM or ADaM datasets (a zip of Dataset-JSON, XPT or CSV)", "Standards");

    /// <summary>GET /studies/{studyId}/export/{standard}?at=...&amp;cutoff=...&amp;format=...: the study as of a moment, for auditors (as as-of analyses are).</summary>
    public static void MapAsOf(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/export/{standard}", async (string studyId, string standard, DateTimeOffset at, DateOnly? cutoff, string? format, IQuerySession session, CancellationToken ct) =>
        {
            if (Parse(standard, format) is not var (kind, as_, badFormat)) return Problems.NotFound($"Standard '{standard}' (sdtm or adam)");
            if (badFormat is not null) return badFormat;
            var (files, refused) = await AsOf(session, studyId, at.ToUniversalTime(), cutoff, kind, as_, ct);
            return refused?.ToHttp() ?? Results.File(Zip(files), "application/zip", $"{studyId}-as-of-{kind.ToString().ToLowerInvariant()}-{as_.ToString().ToLowerInvariant()}.zip");
        })
        .RequireAuthorization(p => p.RequireRole(Roles.Auditor))
        .ProducesDocument("application/zip")
        .Refuses(400, 403, 404, 409)
        .Operation("exportDatasetsAsOf", "Export a study's SDTM or ADaM datasets as of a moment (auditors)", "Standards");

    /// <summary>The standard (null when unknown: a 404) and the format (a 400 naming it when not json, xpt or csv).</summary>
    private static (StandardKind Kind, DatasetFormat Format, IResult? Problem)? Parse(string standard, string? format)
    {
        if (!Enum.TryParse<StandardKind>(standard, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || standard.Any(char.IsDigit)) return null;
        var text = format ?? "json";
        return Enum.TryParse<DatasetFormat>(text, ignoreCase: true, out var as_) && Enum.IsDefined(as_) && !text.Any(char.IsDigit)
            ? (kind, as_, null)
            : (kind, DatasetFormat.Json, Rejection.Invalid("format", "Formats: json, xpt, csv.").ToHttp());
    }
}
