using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Cli;

/// <summary>./npc-ecrf import odm FILE.xml [--study ID]: a CDISC ODM 1.3.2 file into a new study, with its history, as the operator.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var import = new Command("import", "Import data from outside (odm: a CDISC ODM 1.3.2 file into a new study, keeping its history).");
        var file = new Argument<string>("FILE") { Description = "The ODM 1.3.2 file: metadata, clinical data, audit records, signatures, annotations." };
        var study = new Option<string?>("--study") { Description = "The new study's id (default: the file's Study OID; with a database per study, required: the placed study)." };
        var baseFile = new Option<string?>("--base") { Description = "A definition (JSON) giving what a file of another EDC lacks: treatment, RECIST, adverse-event terms." };
        var maxMb = new Option<long?>("--max-mb") { Description = $"The largest file read, in MiB (default {OdmFileReader.DefaultMaxBytes / (1024 * 1024)}).", CustomParser = CliValues.OptionalWhole(1L) };
        var dataDir = CommandLine.DataDirOption();
        var odm = new Command("odm", "Create a study from an ODM 1.3.2 file with its subjects' history; prints the summary (JSON) with every deviation and its line.")
            { file, study, baseFile, maxMb, dataDir };
        odm.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            var max = parse.GetValue(maxMb) is { } mb ? mb * 1024 * 1024 : OdmFileReader.DefaultMaxBytes;
            // The size before reading a byte: an oversized file is refused without being loaded.
            var size = new FileInfo(path).Length;
            if (size > max) throw new CommandLineError($"Not imported: {OdmFileReader.TooLarge(size, max)}");
            StudyDefinition? baseDefinition = null;
            if (parse.GetValue(baseFile) is { } basePath)
            {
                var (definition, errors) = ImportStudyOdm.ReadBase(await File.ReadAllTextAsync(basePath, ct));
                if (errors is not null) throw new CommandLineError($"{basePath} is not a study definition: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
                baseDefinition = definition;
            }
            var bytes = await File.ReadAllBytesAsync(path, ct);
            // With a database per study the import goes into the study's database, placed by its id first (as POST /studies/import/odm?studyId=).
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), ImportNeedsStudy, ct, async session =>
            {
                var outcome = await ImportOdm.Run(session, Actor.Operator(session.LastModifiedBy!),
                    new ImportOdm(bytes, Path.GetFileName(path), parse.GetValue(study), baseDefinition, max), DateTimeOffset.UtcNow, ct);
                if (outcome is not CommandOutcome.Accepted { Answer: ImportOdm.Summary summary })
                {
                    Console.Error.WriteLine($"Not imported: {CliOutcomes.Describe(outcome)}");
                    return 1;
                }
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions(CasebookJson.Options) { WriteIndented = true }));
                return 0;
            });
        });
        import.Subcommands.Add(odm);
        return import;
    }

    /// <summary>What an import without --study is told with a database per study (also `study import`).</summary>
    public const string ImportNeedsStudy = "an import creates a study in its own database, placed first: give --study ID (the placed study).";
}
