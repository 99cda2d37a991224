using System.CommandLine;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Cli;

public static class VerifyCommand
{
    public static Command Create()
    {
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("verify", "Walk every event stream and report any event altered, deleted or inserted outside the application.") { dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            await using (var store = await UserCommands.OpenStoreAsync(installation, ct)) { }
            var report = await new StoreVerifier(installation.Settings()).Verify(null, ct);
            foreach (var f in report.Findings) Console.WriteLine($"stream {f.StreamId} version {f.Version}: {f.Problem}");
            Console.WriteLine(report.Clean
                ? $"Clean: {report.Events} events in {report.Streams} streams verified."
                : $"{report.Findings.Count} finding(s) in {report.Events} events of {report.Streams} streams.");
            return report.Clean ? 0 : 1;
        });
        return command;
    }
}
