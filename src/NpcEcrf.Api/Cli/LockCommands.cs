using System.CommandLine;
using System.Text;
using NpcEcrf.Analysis.Cli;
using Marten;
using NpcEcrf.Api.Analyses;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Locks;

namespace NpcEcrf.Api.Cli;

/// <summary>./npc-ecrf lock ... and ./npc-ecrf analyse: locks and their analysis from the shell, as the operator.</summary>
public static class LockCommands
{
    public static Command Lock()
    {
        var dataDir = CommandLine.DataDirOption();
        var lockName = new Argument<string>("LOCK") { Description = "The lock's name or id." };
        // With a database per study a lock is read in its study's database (docs/scaling.md); in one database, a check.
        var ofStudy = new Option<string?>("--study") { Description = "The lock's study (required with a database per study)." };

        var list = new Command("list", "List the locks (with a database per study, every placed study's).") { dataDir };
        list.SetAction(async (parse, ct) => await CliStudies.WithSession(parse.GetValue(dataDir), null, null, ct, async session =>
        {
            // As GET /locks: the session's database, or every placed study's.
            foreach (var l in (await StudyRouting.EveryStudy(session, s => s.Query<DatabaseLock>().ToListAsync(ct))).OrderBy(l => l.LockedAt))
                Console.WriteLine($"{l.Name,-20} {l.Kind,-5} cut-off {l.Cutoff:yyyy-MM-dd}  locked {l.LockedAt:u} by {l.LockedBy}  {(l.InForce ? "IN FORCE" : $"unlocked {l.UnlockedAt:u}")}  {l.SnapshotHash}");
            return 0;
        }));

        var verify = new Command("verify", "Replay the events up to the lock's high-water mark and check the snapshot's hash.") { lockName, ofStudy, dataDir };
        verify.SetAction(async (parse, ct) => await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(ofStudy), CliStudies.LockNeedsStudy, ct, async session =>
        {
            var l = await CliStudies.LockAsync(session, parse.GetValue(lockName)!, parse.GetValue(ofStudy), ct);
            var result = await ReadLocks.Verify(session, l, ct);
            Console.WriteLine($"lock {l.Name}: recorded {result.StoredHash}\n  stored snapshot {result.SnapshotHash}\n  replayed        {result.ReplayedHash}\n{(result.Verified ? result.EarlierFormat ? "verified (taken by an earlier version: the replay holds every value its snapshot stored; fields added since are set aside)" : "verified" : "NOT VERIFIED: the events or the snapshot changed after locking")}");
            return result.Verified ? 0 : 1;
        }));

        var study = new Option<string>("--study") { Required = true, Description = "The study id." };
        var name = new Option<string>("--name") { Required = true, Description = "A new, unique lock name." };
        var cutoff = new Option<DateOnly>("--cutoff") { Required = true, Description = "The clinical data cut-off date (yyyy-MM-dd).", CustomParser = CliValues.Date };
        var reason = new Option<string>("--reason") { Required = true, Description = "Why the database is locked (or unlocked)." };
        var soft = new Option<bool>("--soft") { Description = "A soft lock (freeze): queries can still be answered and closed." };
        var create = new Command("create", "Declare a lock.") { study, name, cutoff, reason, soft, dataDir };
        create.SetAction(async (parse, ct) => await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study)!, null, ct, async session =>
        {
            var outcome = await LockDatabase.Run(session, Actor.Operator(session.LastModifiedBy!), new LockDatabase(parse.GetValue(study)!, parse.GetValue(name)!,
                parse.GetValue(cutoff), parse.GetValue(reason)!, parse.GetValue(soft) ? LockKind.Soft : LockKind.Hard), DateTimeOffset.UtcNow, ct);
            if (outcome is not CommandOutcome.Accepted { Answer: DatabaseLock locked }) { Console.Error.WriteLine($"Not locked: {CliOutcomes.Describe(outcome)}"); return 1; }
            Console.WriteLine($"Locked {locked.Name} ({locked.Kind}) at high-water mark {locked.HighWaterMark}: {locked.SnapshotHash}");
            return 0;
        }));

        var unlock = new Command("unlock", "End a lock (its snapshot stays).") { lockName, reason, ofStudy, dataDir };
        unlock.SetAction(async (parse, ct) => await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(ofStudy), CliStudies.LockNeedsStudy, ct, async session =>
        {
            await CliStudies.LockAsync(session, parse.GetValue(lockName)!, parse.GetValue(ofStudy), ct);
            var outcome = await UnlockDatabase.Run(session, Actor.Operator(session.LastModifiedBy!), parse.GetValue(lockName)!,
                new UnlockDatabase(parse.GetValue(reason)!), DateTimeOffset.UtcNow, ct);
            if (outcome is not CommandOutcome.Accepted { Answer: DatabaseLock l }) { Console.Error.WriteLine($"Not unlocked: {CliOutcomes.Describe(outcome)}"); return 1; }
            Console.WriteLine($"Unlocked {l.Name}.");
            return 0;
        }));
        return new Command("lock", "Database locks: list, create, verify, unlock.") { list, create, verify, unlock };
    }

    public static Command Analyse()
    {
        var dataDir = CommandLine.DataDirOption();
        var lockName = new Option<string?>("--lock") { Description = "Analyse this lock (name or id)." };
        var inForce = new Option<DateTimeOffset?>("--in-force") { Description = "Analyse the lock in force at this moment.", CustomParser = CliValues.OptionalMoment };
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Analyse the study as the database knew it then (unpersisted).", CustomParser = CliValues.OptionalMoment };
        var study = new Option<string?>("--study") { Description = "The study (needed with --as-of and --in-force; with a database per study, always)." };
        var cutoff = new Option<DateOnly?>("--cutoff") { Description = "With --as-of: the clinical cut-off (default: the as-of date).", CustomParser = CliValues.OptionalDate };
        var profile = new Option<string>("--profile") { Description = "paper or r." }.Choice("paper", "r");
        var plan = new Option<string?>("--plan") { Description = "A saved analysis plan (its multivariate model)." };
        var outDir = new Option<string>("--out") { Required = true, Description = "Where to write analysis.json, .md and .html (and .pdf, as --format chooses)." };
        var json = new Option<string?>("--json") { Description = "Also write the JSON here." };
        var formats = new Option<string[]>("--format")
        {
            Description = "The renderings to write: json, md, html, pdf (pdf needs headless Chromium). Default: json md html.",
        }.Choices(["json", "md", "html"], "json", "md", "html", "pdf");
        var command = new Command("analyse", "Analyse a lock, the lock in force on a date, or an as-of moment.") { lockName, inForce, asOf, study, cutoff, profile, plan, outDir, json, formats, dataDir };
        command.Validators.Add(r =>
        {
            if (new Option[] { lockName, inForce, asOf }.Count(o => r.GetResult(o) is not null) != 1) r.AddError("Choose exactly one of --lock, --in-force, --as-of.");
            else if (r.GetResult(asOf) is not null && r.GetResult(study) is null) r.AddError("--as-of needs --study.");
        });
        command.SetAction(async (parse, ct) =>
        {
            // The places first: an unwritable one is said before any work, in one line.
            var dir = OutputFiles.Folder(parse.GetValue(outDir)!);
            var jsonFile = parse.GetValue(json) is { } jsonPath ? OutputFiles.File(jsonPath) : null;
            return await CliStudies.WithSession(parse.GetValue(dataDir), parse.GetValue(study), "the study's database is analysed: give --study ID.", ct,
                session => Analyse(parse, session, dir, jsonFile, ct));
        });
        return command;

        async Task<int> Analyse(ParseResult parse, IDocumentSession session, string dir, string? jsonFile, CancellationToken ct)
        {
            var now = DateTimeOffset.UtcNow;
            (AnalysisReport? Report, Rejection? Problem) result;
            if (parse.GetValue(lockName) is { } name)
                result = await Analyses.Analyses.OfLock(session, await CliStudies.LockAsync(session, name, parse.GetValue(study), ct), parse.GetValue(profile), parse.GetValue(plan), now, ct);
            else if (parse.GetValue(inForce) is { } on)
                result = await ReadLocks.InForceOn(session, parse.GetValue(study), on, ct) is { } l ? await Analyses.Analyses.OfLock(session, l, parse.GetValue(profile), parse.GetValue(plan), now, ct) : (null, null);
            else result = await Analyses.Analyses.AsOf(session, parse.GetValue(study)!, parse.GetValue(asOf)!.Value, parse.GetValue(cutoff), parse.GetValue(profile), parse.GetValue(plan), now, ct);
            if (result.Report is not { } report) { Console.Error.WriteLine($"Nothing to analyse: {(result.Problem is { } problem ? CliOutcomes.Describe(problem) : "no lock was in force then")}"); return 1; }
            var text = report.ToJson().ToJsonString(ReportWriter.Indented);
            var chosenFormats = parse.GetValue(formats)!;
            var files = new List<(string Name, byte[] Content)>();
            // The PDF first: without Chromium nothing is written, and the one line says what to install.
            if (chosenFormats.Contains("pdf"))
            {
                var pdf = await PdfReport.Print(report, ct);
                if (pdf.Pdf is not { } bytes) { Console.Error.WriteLine($"No PDF: {pdf.Problem}"); return 1; }
                files.Add(("analysis.pdf", bytes));
            }
            if (chosenFormats.Contains("json")) files.Add(("analysis.json", Encoding.UTF8.GetBytes(text)));
            if (chosenFormats.Contains("md")) files.Add(("analysis.md", Encoding.UTF8.GetBytes(ReportWriter.Markdown(report))));
            if (chosenFormats.Contains("html")) files.Add(("analysis.html", Encoding.UTF8.GetBytes(ReportWriter.Html(report))));
            await OutputFiles.WriteAllAsync(dir, files, ct);
            if (jsonFile is not null) await OutputFiles.WriteAsync(jsonFile, text, ct);
            Console.WriteLine(ReportWriter.Markdown(report));
            Console.WriteLine($"Written: {dir}/analysis.{{{string.Join(",", files.Select(f => Path.GetExtension(f.Name)[1..]))}}}");
            return 0;
        }
    }
}
