using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using NpcEcrf.Api.Exports;
using NpcEcrf.Api.Standards;

namespace NpcEcrf.Api.Cli;

public static class ExportCommand
{
    public static Command Create()
    {
        var study = new Option<string?>("--study") { Description = "The study id (not needed with --lock, except with a database per study)." };
        var output = new Option<string>("--out") { Required = true, Description = "The ODM 1.3.2 XML file to write." };
        var type = new Option<string?>("--type") { Description = "transactional (default: every change with its audit record) or snapshot (the current values)." };
        var lockName = new Option<string?>("--lock") { Description = "A lock's name (or id): the study as the lock's high-water mark left it." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("export", "Export a study as CDISC ODM 1.3.2: every event with its audit record, signatures, review steps and queries "
            + "(--type snapshot: the current values; --lock NAME: as of a lock); `export sdtm|adam` writes a lock's datasets and Define-XML.") { study, output, type, lockName, dataDir };
        command.Subcommands.Add(Datasets(StandardKind.Sdtm));
        command.Subcommands.Add(Datasets(StandardKind.Adam));
        command.SetAction(async (parse, ct) =>
        {
            var (fileType, badType) = OdmExport.ParseType(parse.GetValue(type));
            if (badType is not null) throw new CommandLineError(badType.Message);
            if (parse.GetValue(study) is null && parse.GetValue(lockName) is null) throw new CommandLineError("Say what to export: --study S, or --lock NAME.");
            var path = OutputFiles.File(parse.GetValue(output)!);
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), CliStudies.LockNeedsStudy, ct, async session =>
            {
                string xml;
                if (parse.GetValue(lockName) is { } reference)
                {
                    var l = await CliStudies.LockAsync(session, reference, parse.GetValue(study), ct);
                    var (written, problem) = await OdmExport.WriteLock(session, l, fileType, DateTimeOffset.UtcNow, ct);
                    if (problem is not null) throw new CommandLineError(problem.Message);
                    xml = written!;
                }
                else
                {
                    if (await session.LoadAsync<Studies.Study>(Studies.Study.IdFor(parse.GetValue(study)!), ct) is null)
                    {
                        Console.Error.WriteLine($"No study '{parse.GetValue(study)}'.");
                        return 1;
                    }
                    xml = await OdmExport.Write(session, parse.GetValue(study)!, DateTimeOffset.UtcNow, ct, type: fileType);
                }
                await OutputFiles.WriteAsync(path, xml, ct);
                Console.WriteLine($"Written: {path}");
                return 0;
            });
        });
        return command;
    }

    /// <summary>export sdtm|adam --lock NAME (or --as-of T --study S [--cutoff D]) --format json|xpt|csv --out DIR: datasets and define.xml into DIR.</summary>
    private static Command Datasets(StandardKind kind)
    {
        var lockName = new Option<string?>("--lock") { Description = "The lock's name (or id)." };
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Instead of a lock: the study as the database knew it then (with --study).", CustomParser = CliValues.OptionalMoment };
        var study = new Option<string?>("--study") { Description = "The study, with --as-of (and with --lock, with a database per study)." };
        var cutoff = new Option<DateOnly?>("--cutoff") { Description = "With --as-of: the clinical cut-off (default: the as-of date).", CustomParser = CliValues.OptionalDate };
        var format = new Option<DatasetFormat>("--format") { DefaultValueFactory = _ => DatasetFormat.Json, Description = "json (Dataset-JSON 1.1), xpt (SAS transport v5) or csv." }.Choice();
        var output = new Option<string>("--out") { Required = true, Description = "The folder to write into (created if its parent exists)." };
        var dataDir = CommandLine.DataDirOption();
        var name = kind.ToString().ToLowerInvariant();
        var command = new Command(name, $"Write a lock's {(kind == StandardKind.Sdtm ? "SDTM (SDTMIG 3.4)" : "ADaM (ADaMIG 1.3)")} datasets and their Define-XML 2.1.")
            { lockName, asOf, study, cutoff, format, output, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            if ((parse.GetValue(lockName) is null) == (parse.GetValue(asOf) is null) || (parse.GetValue(asOf) is not null && parse.GetValue(study) is null))
                throw new CommandLineError($"Say what to export: --lock NAME, or --as-of TIMESTAMP --study S.");
            var folder = OutputFiles.Folder(parse.GetValue(output)!);
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), CliStudies.LockNeedsStudy, ct, async session =>
            {
                IReadOnlyList<ExportFile> files;
                Infrastructure.Rejection? problem;
                string what;
                if (parse.GetValue(lockName) is { } reference)
                {
                    var l = await CliStudies.LockAsync(session, reference, parse.GetValue(study), ct);
                    (files, problem) = await ExportDatasets.Of(session, l, kind, parse.GetValue(format), ct);
                    what = $"lock '{l.Name}' ({l.SnapshotHash[..12]}..., cut-off {l.Cutoff:yyyy-MM-dd})";
                }
                else
                {
                    var at = parse.GetValue(asOf)!.Value.ToUniversalTime();
                    (files, problem) = await ExportDatasets.AsOf(session, parse.GetValue(study)!, at, parse.GetValue(cutoff), kind, parse.GetValue(format), ct);
                    what = $"study {parse.GetValue(study)} as of {at:O}";
                }
                if (problem is not null) throw new CommandLineError(problem.Message);
                await OutputFiles.WriteAllAsync(folder, files.Select(f => (f.Name, f.Content)).ToList(), ct);
                Console.WriteLine($"Written {files.Count} files of {what} to {folder}");
                return 0;
            });
        });
        return command;
    }
}
