using System.CommandLine;
using NpcEcrf.Api.Exports;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Standards;

namespace NpcEcrf.Api.Cli;

public static class ExportCommand
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Required = true, Description = "The study id." };
        var output = new Option<string>("--out") { Required = true, Description = "The ODM 1.3.2 XML file to write." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("export", "Export a study as CDISC ODM 1.3.2: every event with its audit record, signatures, queries; "
            + "`export sdtm|adam` writes a lock's datasets and Define-XML.") { study, output, dataDir };
        command.Subcommands.Add(Datasets(StandardKind.Sdtm));
        command.Subcommands.Add(Datasets(StandardKind.Adam));
        command.SetAction(async (parse, ct) =>
        {
            CommandLine.RequireFolderOf(parse.GetValue(output)!);
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            await using var store = await UserCommands.OpenStoreAsync(installation, ct);
            await using var session = store.QuerySession();
            if (await session.LoadAsync<Studies.Study>(Studies.Study.IdFor(parse.GetValue(study)!), ct) is null)
            {
                Console.Error.WriteLine($"No study '{parse.GetValue(study)}'.");
                return 1;
            }
            await File.WriteAllTextAsync(parse.GetValue(output)!, await OdmExport.Write(session, parse.GetValue(study)!, DateTimeOffset.UtcNow, ct), ct);
            Console.WriteLine($"Written: {Path.GetFullPath(parse.GetValue(output)!)}");
            return 0;
        });
        return command;
    }

    /// <summary>export sdtm|adam --lock NAME --format json|xpt|csv --out DIR: the lock's datasets and define.xml into DIR.</summary>
    private static Command Datasets(StandardKind kind)
    {
        var lockName = new Option<string>("--lock") { Required = true, Description = "The lock's name (or id)." };
        var format = new Option<DatasetFormat>("--format") { DefaultValueFactory = _ => DatasetFormat.Json, Description = "json (Dataset-JSON 1.1), xpt (SAS transport v5) or csv." };
        var output = new Option<string>("--out") { Required = true, Description = "The folder to write into (created if its parent exists)." };
        var dataDir = CommandLine.DataDirOption();
        var name = kind.ToString().ToLowerInvariant();
        var command = new Command(name, $"Write a lock's {(kind == StandardKind.Sdtm ? "SDTM (SDTMIG 3.4)" : "ADaM (ADaMIG 1.3)")} datasets and their Define-XML 2.1.") { lockName, format, output, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            CommandLine.RequireFolderOf(folder);
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            await using var store = await UserCommands.OpenStoreAsync(installation, ct);
            await using var session = store.QuerySession();
            if (await Locks.ReadLocks.Find(session, parse.GetValue(lockName)!, ct) is not { } l) throw new CommandLineError($"No lock '{parse.GetValue(lockName)}'.");
            var (files, problem) = await ExportDatasets.Of(session, l, kind, parse.GetValue(format), ct);
            if (problem is not null) throw new CommandLineError(problem.Message);
            Directory.CreateDirectory(folder);
            foreach (var file in files) await File.WriteAllBytesAsync(Path.Combine(folder, file.Name), file.Content, ct);
            Console.WriteLine($"Written {files.Count} files of lock '{l.Name}' ({l.SnapshotHash[..12]}..., cut-off {l.Cutoff:yyyy-MM-dd}) to {folder}");
            return 0;
        });
        return command;
    }
}
