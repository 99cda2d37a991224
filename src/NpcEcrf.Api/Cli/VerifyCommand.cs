using System.CommandLine;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

public static class VerifyCommand
{
    public static Command Create()
    {
        var dataDir = CommandLine.DataDirOption();
        var head = new Option<bool>("--head") { Description = "Print the chain head (SEQ:HASH) to keep outside the database as an anchor, and nothing else." };
        var against = new Option<string?>("--against") { Description = "Also prove that nothing up to SEQ was rewritten since the anchor SEQ:HASH was taken, even with the seal key." };
        var study = new Option<string?>("--study")
        {
            Description = "With a database per study: this study's database only (default: the master's and every placed study's, each reported on its own; " +
                "--head and --against need it, each database having its own chain).",
        };
        var command = new Command("verify", "Walk every event, stream, anchor and derived document and report any change made outside the application.") { dataDir, head, against, study };
        command.SetAction(async (parse, ct) =>
        {
            ChainHead? anchor = null;
            if (parse.GetValue(against) is { } text && (anchor = ChainHead.Parse(text)) is null)
            {
                Console.Error.WriteLine($"--against takes SEQ:HASH as printed by verify --head (64 hex digits), not '{text}'.");
                return CommandLine.UsageError;
            }
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings();
            var named = parse.GetValue(study);
            if (named is not null && settings.StudyDatabases is null)
            {
                Console.Error.WriteLine("--study is for a database per study: this installation keeps every study in one database, and verify checks it whole. Leave out --study.");
                return CommandLine.UsageError;
            }
            // A chain head or an anchor belongs to one database's chain: with a database per study, the study says which.
            if (named is null && settings.StudyDatabases is not null && (parse.GetValue(head) || anchor is not null))
            {
                Console.Error.WriteLine("With a database per study each study's database has its own seal chain: give --study ID with --head or --against.");
                return CommandLine.UsageError;
            }
            if (parse.GetValue(head))
            {
                await UserCommands.RequireNamedSchemaAsync(settings, ct);
                // Only the head on stdout, so a script can keep it as it is: the store only finds the study's database (no schema work).
                await using var reader = AppHost.Store(settings);
                var tenant = Database(await CliStudies.TenantAsync(reader, named, null));
                Console.WriteLine(await CliStudies.On(tenant ?? JasperFx.StorageConstants.DefaultTenantId, () =>
                    StoreVerifier.Head(settings, GlobalChain.Settle, ct, tenant is null ? null : StudyRouting.DatabaseOf(reader, tenant).CreateConnection())));
                return 0;
            }
            await using var store = await UserCommands.OpenStoreAsync(installation, ct);
            // What is verified: the one database; with a database per study the study named, or else the master's (accounts, logins,
            // the audit of access) and every placed study's: an auditor's `verify` covers every record, each database on its own chain.
            IReadOnlyList<string?> databases = named is not null ? [Database(await CliStudies.TenantAsync(store, named, null))]
                : settings.StudyDatabases is null ? [null] : [null, .. await StudyRouting.PlacedStudies(store)];
            var (findings, unreachable) = (0, 0);
            foreach (var tenant in databases)
            {
                var label = settings.StudyDatabases is null ? "" : tenant is null ? "master database: " : $"study {tenant}: ";
                VerificationReport report;
                try
                {
                    report = await new StoreVerifier(settings, store, tenant is null ? null : () => tenant).Verify(anchor, ct);
                }
                catch (Exception e) when (tenant is not null && CliOutcomes.Unreachable(e) is { } why)
                {
                    // That study's server is down: said, and the other databases are still verified.
                    Console.Error.WriteLine($"{CliStudies.Unavailable(tenant, why)} Not verified.");
                    unreachable++;
                    continue;
                }
                foreach (var f in report.Findings) Console.WriteLine($"{label}{f}");
                foreach (var note in report.Notes) Console.WriteLine($"{label}note: {note}");
                Console.WriteLine(label + (report.Clean
                    ? $"Clean: {report.Events} events in {report.Streams} streams verified{(anchor is null ? "" : $", and the anchor {anchor.Sequence} reproduced")}; chain head {report.Head}."
                    : $"{report.Findings.Count} finding(s) in {report.Events} events of {report.Streams} streams."));
                if (!report.Clean) findings++;
            }
            if (databases.Count > 1)
                Console.WriteLine($"{databases.Count} databases: {databases.Count - findings - unreachable} clean, {findings} with findings, {unreachable} not reachable.");
            // A finding outweighs a server that did not answer: it is what an auditor must see first.
            return findings > 0 ? 1 : unreachable > 0 ? CliOutcomes.Unavailable : 0;
        });
        return command;
    }

    /// <summary>The database a tenant names for the verifier: null for the installation's own (the master, or the one database).</summary>
    private static string? Database(string tenant) => tenant == JasperFx.StorageConstants.DefaultTenantId ? null : tenant;
}
