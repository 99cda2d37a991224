using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Cli;

/// <summary>./npc-ecrf study import|export: a study's definition as CDISC ODM 1.3.2 from the shell, as the operator (the `study` verb holds these beside StudyAdminCommands').</summary>
public static class StudyCommands
{
    public static IEnumerable<Command> Subcommands() => [Import(), Export()];

    private static Command Import()
    {
        var file = new Argument<string>("FILE") { Description = "The ODM 1.3.2 file (a MetaDataVersion) to create the study from." };
        var study = new Option<string?>("--study") { Description = "The new study's id (default: the file's Study OID; with a database per study, required: the placed study)." };
        var title = new Option<string?>("--title") { Description = "The study's title (default: the file's StudyDescription)." };
        var baseFile = new Option<string?>("--base") { Description = "A definition (JSON) giving what a file of another EDC lacks: treatment, RECIST, adverse-event terms, schedule." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("import", "Create a study from an ODM 1.3.2 file; lists what the file holds that could not be mapped.") { file, study, title, baseFile, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            // The files first: a file that cannot be read or a base that is not a definition is said before any work.
            var odm = await File.ReadAllTextAsync(parse.GetValue(file)!, ct);
            StudyDefinition? baseDefinition = null;
            if (parse.GetValue(baseFile) is { } basePath)
            {
                var (definition, errors) = ImportStudyOdm.ReadBase(await File.ReadAllTextAsync(basePath, ct));
                if (errors is not null) throw new CommandLineError($"{basePath} is not a study definition: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
                baseDefinition = definition;
            }
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), ImportCommand.ImportNeedsStudy, ct, async session =>
            {
                var outcome = await ImportStudyOdm.Run(session, Actor.Operator(session.LastModifiedBy!),
                    new ImportStudyOdm(odm, baseDefinition, parse.GetValue(study), parse.GetValue(title)), DateTimeOffset.UtcNow, ct);
                if (outcome is not CommandOutcome.Accepted { Answer: ImportStudyOdm.Answer answer })
                {
                    Console.Error.WriteLine($"Not imported: {CliOutcomes.Describe(outcome)}");
                    return 1;
                }
                Console.WriteLine($"Created study {answer.Study.StudyId} ('{answer.Study.Title}'), definition version {answer.Study.Latest.Version}, " +
                    $"with {answer.Study.Latest.Definition.StudyForms.Count} study forms.");
                foreach (var finding in answer.Unmapped) Console.WriteLine($"Not mapped: {finding.Element}: {finding.Message}");
                return 0;
            });
        });
        return command;
    }

    private static Command Export()
    {
        var study = new Argument<string>("ID") { Description = "The study id." };
        var output = new Option<string>("--out") { Required = true, Description = "The ODM 1.3.2 XML file to write." };
        var version = new Option<int?>("--version") { Description = "The definition version (default: the latest).", CustomParser = CliValues.OptionalWhole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("export", "Write a study's definition as an ODM 1.3.2 MetaDataVersion.") { study, output, version, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var path = OutputFiles.File(parse.GetValue(output)!);
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), null, ct, async session =>
            {
                if (await session.LoadAsync<Study>(Study.IdFor(parse.GetValue(study)!), ct) is not { } found)
                {
                    Console.Error.WriteLine($"No study '{parse.GetValue(study)}'.");
                    return 1;
                }
                if (ExportDefinitionOdm.Version(found, parse.GetValue(version)) is not { } definition)
                {
                    Console.Error.WriteLine($"Study {found.StudyId} has no definition version {parse.GetValue(version)}.");
                    return 1;
                }
                await OutputFiles.WriteAsync(path, DefinitionOdm.Export(found.StudyId, found.Title, definition, DateTimeOffset.UtcNow), ct);
                Console.WriteLine($"Written: {path} (definition version {definition.Version})");
                return 0;
            });
        });
        return command;
    }
}
