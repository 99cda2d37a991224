using System.CommandLine;
using NpcEcrf.Api.Exports;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Cli;

public static class ExportCommand
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Required = true, Description = "The study id." };
        var output = new Option<string>("--out") { Required = true, Description = "The ODM 1.3.2 XML file to write." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("export", "Export a study as CDISC ODM 1.3.2: every event with its audit record, signatures, queries.") { study, output, dataDir };
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
}
