using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using System.Text.Json;
using FluentValidation;
using Marten;
using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Cli;

/// <summary>
/// ./npc-ecrf study create|amend|list|show|history|place: study administration from the shell, as the operator, through the
/// same decisions as the HTTP endpoints. The `study` verb is built from <see cref="Subcommands"/>.
/// </summary>
public static class StudyAdminCommands
{
    public static IEnumerable<Command> Subcommands() => [Create(), Amend(), List(), Show(), History(), Place()];

    private static Argument<string> StudyArgument() => new("ID") { Description = "The study id." };

    private static Option<string> FileOption() => new("--file") { Required = true, Description = "The study definition, as JSON (src/NpcEcrf.Api/Demo/Studies/anlo-npc.json is one)." };

    private static Command Create()
    {
        var id = StudyArgument();
        var title = new Option<string>("--title") { Required = true, Description = "The study's title." };
        var file = FileOption();
        var noSegregation = new Option<bool>("--no-segregation-of-duties") { Description = "Let whoever entered a value also verify it, close its queries and sign for it." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("create", "Create a study with its first definition.") { id, title, file, noSegregation, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var c = new CreateStudy(parse.GetValue(id)!, parse.GetValue(title)!, ReadDefinition(parse.GetValue(file)!), !parse.GetValue(noSegregation));
            if (Invalid(new CreateStudy.Validator().Validate(c))) return CommandLine.UsageError;
            return await WithOperatorSession(parse.GetValue(dataDir), c.StudyId, ct, async (session, actor) =>
            {
                var outcome = await CreateStudy.Run(session, actor, DateTimeOffset.UtcNow, c, ct);
                if (outcome is not CommandOutcome.Accepted { Answer: Study study }) return Failed("Not created", outcome);
                Console.WriteLine($"Created study {study.StudyId} ({study.Title}), definition version {study.Latest.Version} in force from {study.Latest.EffectiveFrom:yyyy-MM-dd}.");
                return 0;
            });
        });
        return command;
    }

    /// <summary>With a database per study: the study's own database on a named server (docs/scaling.md).</summary>
    private static Command Place()
    {
        var id = StudyArgument();
        var server = new Option<string>("--server") { Required = true, Description = "The server, by its name in Database:Servers." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("place", "With a database per study: create the study's database on a server and register it (before `study create`).") { id, server, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var placed = await StudyPlacement.PlaceAsync(installation.Settings(), parse.GetValue(id)!, parse.GetValue(server)!, Console.Error.WriteLine, ct);
            Console.WriteLine(placed.AlreadyPlaced
                ? $"Study {placed.StudyId} was already placed on server {placed.Server} (database {placed.Database}); its schema is up to date" +
                  (placed.ConnectionUpdated ? "; the master now keeps the server's connection string as configured (running nodes use it once restarted)." : ".")
                : $"Placed study {placed.StudyId} on server {placed.Server}, database {placed.Database}.");
            return 0;
        });
        return command;
    }

    private static Command Amend()
    {
        var id = StudyArgument();
        var file = FileOption();
        var from = new Option<DateOnly?>("--effective-from") { Description = "From which date the new version is in force (yyyy-MM-dd, today or later; required once a subject is enrolled).", CustomParser = CliValues.OptionalDate };
        var reason = new Option<string?>("--reason") { Description = "Why the definition changes (required once a subject is enrolled)." };
        var version = new Option<long?>("--version") { Description = "The study's version you read (study list); refused if it has changed since.", CustomParser = CliValues.OptionalWhole(1L) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("amend", "A new version of the definition: a revision before any enrolment, an amendment after.") { id, file, from, reason, version, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var c = new ReviseStudyDefinition(ReadDefinition(parse.GetValue(file)!), parse.GetValue(from), parse.GetValue(reason), parse.GetValue(version));
            if (Invalid(new ReviseStudyDefinition.Validator().Validate(c))) return CommandLine.UsageError;
            return await WithOperatorSession(parse.GetValue(dataDir), parse.GetValue(id)!, ct, async (session, actor) =>
            {
                var outcome = await ReviseStudyDefinition.Run(session, actor, DateTimeOffset.UtcNow, parse.GetValue(id)!, c, null, ct);
                if (outcome is not CommandOutcome.Accepted { Answer: Study study }) return Failed("Not amended", outcome);
                var v = study.Latest;
                Console.WriteLine($"Study {study.StudyId}: definition version {v.Version} ({(v.Amendment ? "amendment" : "revision")}) in force from {v.EffectiveFrom:yyyy-MM-dd}.");
                return 0;
            });
        });
        return command;
    }

    private static Command List()
    {
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("list", "List the studies: id, latest definition version, the one in force today, sites, title.") { dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), null, ct, async (session, _) =>
        {
            // With a database per study, every placed study's database.
            foreach (var s in await StudyRouting.EveryStudy(session, study => ListStudies.All(study, Today(), ct)))
                Console.WriteLine($"{s.StudyId,-20} latest v{s.LatestVersion,-3} in force v{s.VersionInForce,-3} sites {(s.Sites.Count == 0 ? "-" : string.Join(",", s.Sites.Select(x => x.SiteId))),-20} {s.Title}");
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = StudyArgument();
        var version = new Option<int?>("--version") { Description = "Which version (default: the one in force today).", CustomParser = CliValues.OptionalWhole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("show", "Print a version of the study's definition as JSON (a file `study amend --file` takes back).") { id, version, dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), parse.GetValue(id)!, ct, async (session, _) =>
        {
            if (await session.LoadAsync<Study>(Study.IdFor(parse.GetValue(id)!), ct) is not { } study) return NoStudy(parse.GetValue(id)!);
            if (ReadStudyDefinition.Find(study, parse.GetValue(version), Today()) is not { } found)
            {
                Console.Error.WriteLine($"Study {study.StudyId} has no definition version {parse.GetValue(version)} (versions 1 to {study.Latest.Version}).");
                return 1;
            }
            Console.WriteLine(JsonSerializer.Serialize(found.Definition, ReadStudyDefinition.DocumentJson));
            return 0;
        }));
        return command;
    }

    private static Command History()
    {
        var id = StudyArgument();
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("history", "The study's history: each definition version (effective date, revision or amendment, reason, who, when), sites, locks.") { id, dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), parse.GetValue(id)!, ct, async (session, _) =>
        {
            if (await ReadStudyHistory.Read(session, parse.GetValue(id)!, ct) is not { } h) return NoStudy(parse.GetValue(id)!);
            Console.WriteLine($"{h.CreatedAt:u}  created {h.StudyId} ({h.Title}) by {h.CreatedBy}");
            var lines = h.Definitions.Select(d => (d.At, Text: $"definition v{d.Version} ({d.Kind}) in force from {d.EffectiveFrom:yyyy-MM-dd} by {d.By}{(d.Reason is null ? "" : $": {d.Reason}")}"))
                .Concat(h.Sites.Select(s => (s.At, Text: $"site {s.SiteId} ({s.Name}, {s.TimeZone}) added by {s.By}")))
                .Concat(h.Locks.Select(l => (l.At, Text: $"lock {l.Name} declared by {l.By}")));
            foreach (var (at, text) in lines.OrderBy(l => l.At)) Console.WriteLine($"{at:u}  {text}");
            return 0;
        }));
        return command;
    }

    /// <summary>The definition file, read as strictly as the API reads a body: anything wrong is one line naming the file and the field.</summary>
    private static StudyDefinition ReadDefinition(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return JsonSerializer.Deserialize<StudyDefinition>(text, StudyDefinitions.Strict) ?? throw new CommandLineError($"{path}: the file holds no definition.");
        }
        catch (JsonException e)
        {
            JsonElement? body = null;
            try { body = JsonDocument.Parse(text).RootElement.Clone(); } catch (JsonException) { }
            var problems = StrictJson.Describe(e, body is null ? null : typeof(StudyDefinition), body);
            throw new CommandLineError($"{path} is not a study definition: {string.Join("; ", problems.SelectMany(p => p.Value.Select(m => p.Key.Length == 0 ? m : $"{p.Key}: {m}")))}");
        }
    }

    private static bool Invalid(FluentValidation.Results.ValidationResult check)
    {
        foreach (var e in check.Errors) Console.Error.WriteLine($"{e.PropertyName}: {e.ErrorMessage}");
        return !check.IsValid;
    }

    private static int Failed(string what, CommandOutcome outcome)
    {
        Console.Error.WriteLine($"{what}: {CliOutcomes.Describe(outcome)}");
        return 1;
    }

    private static int NoStudy(string id)
    {
        Console.Error.WriteLine($"No study '{id}'.");
        return 1;
    }

    private static DateOnly Today() => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <param name="studyId">The study worked on: with a database per study, its session is the study database's.</param>
    private static Task<int> WithOperatorSession(string? dataDir, string? studyId, CancellationToken ct, Func<IDocumentSession, Actor, Task<int>> work) =>
        CliStudies.WithSession(dataDir, studyId, null, ct, session => work(session, Actor.Operator(session.LastModifiedBy!)));
}
