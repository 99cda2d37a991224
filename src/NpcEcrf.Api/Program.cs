return await NpcEcrf.Api.Cli.CommandLine.RunAsync(args);

/// <summary>Exposed for WebApplicationFactory-style tests.</summary>
public partial class Program;
