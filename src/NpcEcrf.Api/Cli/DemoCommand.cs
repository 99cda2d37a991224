using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Identity;

namespace NpcEcrf.Api.Cli;

/// <summary>
/// ./npc-ecrf demo: the reference study from raw CRF data to the paper's tables, through the real HTTP API; with
/// --study gem-pdac, the second study (docs/study-build.md) through the same code.
/// </summary>
public static class DemoCommand
{
    public const string Schema = "demo";

    /// <summary>The demo studies by name (Demo/Studies/NAME.json); the first is the default.</summary>
    public static readonly string[] Studies = [StudyDefinitions.Reference, GemPdacStudy.Name];

    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Where the reports go.", DefaultValueFactory = _ => "demo-output" };
        var json = new Option<string?>("--json") { Description = "Also write the final lock's analysis JSON here." };
        var keep = new Option<bool>("--keep") { Description = $"Keep the demo database (schema '{Schema}') afterwards: NPCECRF_SCHEMA={Schema} ./npc-ecrf serve." };
        var study = new Option<string>("--study") { Description = $"Which study: {string.Join(" or ", Studies)} (the second study, docs/study-build.md).", DefaultValueFactory = _ => Studies[0] };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("demo", "Enter the seed study's 30 patients through the API, lock, analyse, and compare with the published numbers (--study gem-pdac: the second study).") { outDir, json, keep, study, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(study)!;
            if (!Studies.Contains(name))
            {
                Console.Error.WriteLine($"No demo study '{name}'. Available: {string.Join(", ", Studies)}.");
                return 2;
            }
            // The places first: an unwritable one is said before the demo's minutes of work, in one line.
            var outFolder = OutputFiles.Folder(parse.GetValue(outDir)!);
            var jsonFile = parse.GetValue(json) is { } jsonOut ? OutputFiles.File(jsonOut) : null;
            var started = DateTimeOffset.UtcNow;
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(Schema);
            await DropSchema(settings, ct);
            await SchemaPreparation.PrepareAsync(settings, Console.Error.WriteLine, ct);
            await using (var store = AppHost.Store(settings))
            {
                await using var session = store.LightweightSession();
                session.LastModifiedBy = UserCommands.OperatorName();
                await CreateUser.Run(session, Api.Infrastructure.Actor.Operator(session.LastModifiedBy), new CreateUser("admin", "Demo administrator", DemoRunner.Password, ["admin"], []), ct);
            }
            var app = AppHost.Build(settings, customise: b => b.Logging.AddFilter((category, level) => level >= LogLevel.Warning));
            app.Urls.Add("http://127.0.0.1:0");
            await app.StartAsync(ct);
            try
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                Console.WriteLine($"Demo API on {address} (database: {(installation.Embedded is null ? "NPCECRF_DB" : "embedded PostgreSQL")}, schema '{Schema}')");
                using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
                if (name == GemPdacStudy.Name) return await GemPdacDemoPrinter.Run(http, outFolder, jsonFile, started);
                var result = await new DemoRunner(http, Console.WriteLine).Run("admin", outFolder);
                if (jsonFile is not null)
                {
                    await OutputFiles.WriteAsync(jsonFile, result.FinalAnalysis.ToJsonString(Analyses.ReportWriter.Indented), ct);
                    result = result with { Reports = new Dictionary<string, string>(result.Reports) { ["--json"] = jsonFile } };
                }
                DemoPrinter.Print(result, DateTimeOffset.UtcNow - started);
                return result.AllReproduced ? 0 : 1;
            }
            catch (DemoFailedException e)
            {
                Console.Error.WriteLine($"The demo stopped: {e.Message}");
                return 1;
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                if (!parse.GetValue(keep)) await DropSchema(settings, CancellationToken.None);
            }
        });
        return command;
    }

    private static async Task DropSchema(NpcEcrfSettings settings, CancellationToken ct)
    {
        // Only the schema's owner may drop it.
        await using var connection = new NpgsqlConnection(settings.SchemaChangeConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"drop schema if exists \"{settings.Schema}\" cascade", connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

public static class DemoPrinter
{
    public static void Print(DemoResult result, TimeSpan elapsed)
    {
        Console.WriteLine();
        Console.WriteLine($"Final lock '{result.Final.Name}' (cut-off {result.Final.Cutoff}), paper profile: published vs reproduced");
        foreach (var table in result.Checks.GroupBy(c => c.Table))
        {
            Console.WriteLine();
            Console.WriteLine($"  {table.Key}");
            Console.WriteLine($"    {"",-48} {"published",-22} {"reproduced",-22}");
            foreach (var c in table) Console.WriteLine($"    {c.Item,-48} {c.Published,-22} {c.Reproduced,-22} {(c.Matches ? "ok" : "DIFFERS")}");
        }
        Console.WriteLine();
        Console.WriteLine("Interim vs final lock");
        Console.WriteLine($"    {"",-36} {result.Interim.Name,-22} {result.Final.Name,-22}");
        foreach (var (label, path) in new[]
                 {
                     ("Cut-off", "source/cutoff"), ("Patients", "n"), ("PFS events", "pfsMonths/events"), ("OS events", "osMonths/events"),
                     ("PFS median (months)", "pfsMonths/median"), ("OS median (months)", "osMonths/median"), ("ORR %", "orr/percent"),
                     ("Liver metastases HR", $"coxPfsMultivariate/coefficients/{PublishedFacts.LiverMetastases}/hr"),
                 })
            Console.WriteLine($"    {label,-36} {Value(result.InterimAnalysis, path),-22} {Value(result.FinalAnalysis, path),-22}");
        Console.WriteLine();
        Console.WriteLine($"Locks: {result.Interim.Name} {Short(result.Interim.Hash)} verify {(result.Interim.Verified ? "ok" : "FAILED")}{(result.InterimHashUnchanged ? ", unchanged after the final lock" : ", CHANGED")}; " +
                          $"{result.Final.Name} {Short(result.Final.Hash)} verify {(result.Final.Verified ? "ok" : "FAILED")}");
        Console.WriteLine($"Audit sample: {result.Audit.Subject} {result.Audit.Field}: {result.Audit.OldValue} -> {result.Audit.NewValue} by {result.Audit.User} ({result.Audit.Reason})");
        Console.WriteLine();
        Console.WriteLine("Reports:");
        foreach (var (name, path) in result.Reports) Console.WriteLine($"    {name,-22} {path}");
        var mismatches = result.Checks.Count(c => !c.Matches);
        Console.WriteLine();
        Console.WriteLine(result.AllReproduced
            ? $"All {result.Checks.Count} published numbers reproduced ({elapsed.TotalSeconds:0} s)."
            : $"{mismatches} of {result.Checks.Count} numbers differ from the published ones, or a lock did not verify.");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "..." : hash;

    private static string Value(System.Text.Json.Nodes.JsonObject json, string path)
    {
        System.Text.Json.Nodes.JsonNode? node = json;
        // Covariate names hold dots ("form.item"): the path is split on slashes.
        // A list is entered by the "name" of one of its objects.
        foreach (var part in path.Split('/'))
            node = node is System.Text.Json.Nodes.JsonArray list ? list.OfType<System.Text.Json.Nodes.JsonObject>().FirstOrDefault(o => o["name"]?.GetValue<string>() == part) : node?[part];
        return node switch
        {
            null => "-",
            System.Text.Json.Nodes.JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(d % 1 == 0 ? "0" : "0.000", System.Globalization.CultureInfo.InvariantCulture),
            _ => node.ToString(),
        };
    }
}
