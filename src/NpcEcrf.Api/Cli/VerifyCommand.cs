using System.CommandLine;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

public static class VerifyCommand
{
    public static Command Create()
    {
        var dataDir = CommandLine.DataDirOption();
        var head = new Option<bool>("--head") { Description = "Print the chain head (SEQ:HASH) to keep outside the database as an anchor, and nothing else." };
        var against = new Option<string?>("--against") { Description = "Also prove that nothing up to SEQ was rewritten since the anchor SEQ:HASH was taken, even with the seal key." };
        var command = new Command("verify", "Walk every event, stream, anchor and derived document and report any change made outside the application.") { dataDir, head, against };
        command.SetAction(async (parse, ct) =>
        {
            ChainHead? anchor = null;
            if (parse.GetValue(against) is { } text && (anchor = ChainHead.Parse(text)) is null)
            {
                Console.Error.WriteLine($"--against takes SEQ:HASH as printed by verify --head (64 hex digits), not '{text}'.");
                return CommandLine.UsageError;
            }
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            UserCommands.RefuseWithStudyDatabases(installation.Settings(), "verify");
            if (parse.GetValue(head))
            {
                await UserCommands.RequireNamedSchemaAsync(installation.Settings(), ct);
                // Only the head on stdout, so a script can keep it as it is.
                Console.WriteLine(await StoreVerifier.Head(installation.Settings(), GlobalChain.Settle, ct));
                return 0;
            }
            await using var store = await UserCommands.OpenStoreAsync(installation, ct);
            var report = await new StoreVerifier(installation.Settings(), store).Verify(anchor, ct);
            foreach (var f in report.Findings) Console.WriteLine(f);
            foreach (var note in report.Notes) Console.WriteLine($"note: {note}");
            Console.WriteLine(report.Clean
                ? $"Clean: {report.Events} events in {report.Streams} streams verified{(anchor is null ? "" : $", and the anchor {anchor.Sequence} reproduced")}; chain head {report.Head}."
                : $"{report.Findings.Count} finding(s) in {report.Events} events of {report.Streams} streams.");
            return report.Clean ? 0 : 1;
        });
        return command;
    }
}
