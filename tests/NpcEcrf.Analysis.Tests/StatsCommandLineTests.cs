using System.Text.Json;
using NpcEcrf.Analysis.Cli;

namespace NpcEcrf.Analysis.Tests;

public class StatsCommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        return (StatsCommandLine.Run(args, stdout, stderr), stdout.ToString(), stderr.ToString());
    }

    private static string Csv(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stats-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void km_json_follows_the_contract_and_drops_incomplete_rows()
    {
        var csv = Csv("t,e,g\n1,1,a\n2,0,a\n\"3\",1,b\nNA,1,b\n4,,b\n5,1,a\n");
        var (code, output, _) = Run("km", "--csv", csv, "--time", "t", "--event", "e", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal((4, 3, 2), (json.GetProperty("n").GetInt32(), json.GetProperty("events").GetInt32(), json.GetProperty("nDropped").GetInt32()));
        Assert.Equal(("log", "r"), (json.GetProperty("confType").GetString(), json.GetProperty("medianMethod").GetString()));
        Assert.Equal(4, json.GetProperty("table").GetArrayLength());
        foreach (var key in new[] { "time", "nRisk", "nEvent", "nCensor", "survival", "stdErr", "lower", "upper" })
            Assert.True(json.GetProperty("table")[0].TryGetProperty(key, out _), key);
    }

    [Fact]
    public void km_by_group_adds_the_log_rank_test()
    {
        var (code, output, _) = Run("km", "--csv", TwinCohort.CsvPath, "--time", "os_mo", "--event", "os_death", "--group", "pattern", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(3, json.GetProperty("groups").GetArrayLength());
        Assert.Equal(2, json.GetProperty("logRank").GetProperty("df").GetInt32());
    }

    [Fact]
    public void cox_paper_line_by_the_command_line()
    {
        var (code, output, _) = Run("cox", "--csv", TwinCohort.CsvPath, "--time", "pfs_mo", "--event", "pfs_event", "--covariates", "liver_met,age", "--ties", "breslow", "--json");
        Assert.Equal(0, code);
        var liver = JsonDocument.Parse(output).RootElement.GetProperty("coefficients")[0];
        Assert.Equal("7.907", liver.GetProperty("hr").GetDouble().ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void a_factor_is_dummy_coded_against_its_reference()
    {
        var (code, output, _) = Run("cox", "--csv", TwinCohort.CsvPath, "--time", "pfs_mo", "--event", "pfs_event", "--factor", "pattern:recurrent", "--json");
        Assert.Equal(0, code);
        var names = JsonDocument.Parse(output).RootElement.GetProperty("coefficients").EnumerateArray().Select(c => c.GetProperty("name").GetString());
        Assert.Equal(["patternboth", "patternmetastatic"], names);
    }

    [Fact]
    public void km_landmarks_past_follow_up_are_not_estimable_and_an_all_censored_curve_has_no_median()
    {
        var csv = Csv("t,e\n0.5,0\n1.1,0\n1.9,0\n2.7,0\n2.7,0\n");
        var (code, output, _) = Run("km", "--csv", csv, "--time", "t", "--event", "e", "--times", "1,6,12", "--json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("median").ValueKind);
        var landmarks = json.GetProperty("landmarks").EnumerateArray().ToList();
        Assert.Equal((1.0, JsonValueKind.Null), (landmarks[0].GetProperty("survival").GetDouble(), landmarks[0].GetProperty("lower").ValueKind));
        Assert.All(landmarks.Skip(1), l => Assert.Equal((0, JsonValueKind.Null), (l.GetProperty("nRisk").GetInt32(), l.GetProperty("survival").ValueKind)));
        var (_, text, _) = Run("km", "--csv", csv, "--time", "t", "--event", "e", "--times", "6");
        Assert.Contains($"§ {Printed.Explanation(Footnote.NotEstimable)}", text);
        Assert.DoesNotContain("100-100", text.Replace(" ", ""));
    }

    [Fact]
    public void an_interval_outside_0_100_is_printed_as_computed_with_a_footnote()
    {
        var (code, output, _) = Run("proportion", "--k", "1", "--n", "7", "--method", "t");
        Assert.Equal(0, code);
        Assert.StartsWith("1/7 = 14.3% (95% CI -20.7 to 49.2†; t)", output);
        Assert.Contains("† A bound outside the possible range", output);
        Assert.DoesNotContain("†", Run("proportion", "--k", "1", "--n", "7", "--method", "clopper-pearson").Out);
    }

    [Fact]
    public void proportion_and_readable_output()
    {
        var (code, output, _) = Run("proportion", "--k", "4", "--n", "30", "--method", "clopper-pearson");
        Assert.Equal(0, code);
        Assert.Contains("3.8-30.7", output);
    }

    [Fact]
    public void separation_is_reported_not_hidden()
    {
        // Every event has x = 1 and no x = 0 subject has one: the coefficient runs to infinity (as in R).
        var strong = Csv("t,e,x\n1,1,1\n2,1,1\n3,1,1\n4,0,0\n5,0,0\n6,0,0\n7,0,0\n8,0,0\n");
        var (code2, output2, _) = Run("cox", "--csv", strong, "--time", "t", "--event", "e", "--covariates", "x", "--json");
        Assert.Equal(0, code2);
        Assert.Contains("infinite", JsonDocument.Parse(output2).RootElement.GetProperty("warnings").GetRawText());
    }

    public static TheoryData<string[], string> BadData()
    {
        var ok = Csv("t,e,x,c\n1,1,1,5\n2,0,2,5\n3,1,3,5\n");
        return new()
        {
            { ["km", "--csv", "/no/such/file.csv", "--time", "t", "--event", "e"], "file not found" },
            { ["km", "--csv", ok, "--time", "nope", "--event", "e"], "column not found" },
            { ["km", "--csv", Csv("t,e\n1,1\nabc,0\n"), "--time", "t", "--event", "e"], "non-numeric" },
            { ["km", "--csv", Csv("t,e\n1,1\n-2,0\n"), "--time", "t", "--event", "e"], "negative time" },
            { ["km", "--csv", Csv("t,e\n1,1\n2,2\n"), "--time", "t", "--event", "e"], "0 or 1" },
            { ["logrank", "--csv", Csv("t,e,g\n1,0,a\n2,0,b\n"), "--time", "t", "--event", "e", "--group", "g"], "no events" },
            { ["km", "--csv", Csv("t,e,g\n1,0,a\n2,0,b\n"), "--time", "t", "--event", "e", "--group", "g"], "no events" },
            { ["cox", "--csv", ok, "--time", "t", "--event", "e", "--covariates", "x,c"], "constant" },
        };
    }

    [Theory]
    [MemberData(nameof(BadData))]
    public void bad_data_gets_one_clear_line_and_exit_1(string[] args, string message)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(CommandLineRunner.Failed, code);
        Assert.Empty(output);
        Assert.StartsWith("stats: ", error);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    public static TheoryData<string[], string> BadUsage()
    {
        var ok = Csv("t,e,x,c\n1,1,1,5\n2,0,2,5\n3,1,3,5\n");
        return new()
        {
            { ["km", "--csv", ok, "--time", "t", "--event", "e", "--times", "6,soon"], "--times must be non-negative numbers separated by commas, not 'soon'" },
            { ["km", "--csv", ok, "--time", "t", "--event", "e", "--bogus", "1"], "Unknown option '--bogus'" },
            { ["km", "--csv", ok, "--time", "t", "--event", "e", "--conf-type", "wide"], "--conf-type must be log, log-log or plain, not 'wide'" },
            { ["km", "--time", "t", "--event", "e"], "--csv" },
            { ["cox", "--csv", ok, "--time", "t", "--event", "e", "--covariates", "x", "--ties", "exact"], "--ties must be efron or breslow, not 'exact'" },
            { ["cox", "--csv", ok, "--time", "t", "--event", "e"], "--covariates (or --factor) is required" },
            { ["proportion", "--k", "four", "--n", "30"], "--k: four is not a whole number" },
            { ["proportion", "--k", "4", "--n", "0"], "--n must be at least 1, not 0" },
            { ["proportion", "--k", "5", "--n", "3"], "--k (5) must not be more than --n (3)" },
            { ["proportion", "--k", "1", "--n", "3", "--method", "exact"], "--method must be t, wald, wilson or clopper-pearson, not 'exact'" },
            { ["frobnicate"], "Unknown command 'frobnicate' (km, cox, logrank or proportion)" },
            { [], "Say which: km, cox, logrank or proportion" },
        };
    }

    [Theory]
    [MemberData(nameof(BadUsage))]
    public void a_wrong_command_line_gets_one_clear_line_naming_the_help_and_exit_2(string[] args, string message)
    {
        var (code, output, error) = Run(args);
        Assert.Equal(StatsCommandLine.UsageError, code);
        Assert.Empty(output);
        Assert.Contains(message, error);
        Assert.Contains($"See ./npc-ecrf stats {(args is [var verb, ..] && !verb.StartsWith("frob") ? verb + " " : "")}--help.", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void options_take_their_value_after_an_equals_sign_or_a_space_alike()
    {
        var csv = Csv("t,e\n1,1\n2,0\n3,1\n");
        var spaced = Run("km", "--csv", csv, "--time", "t", "--event", "e", "--conf-type", "plain", "--json");
        var joined = Run("km", $"--csv={csv}", "--time=t", "--event=e", "--conf-type=plain", "--json");
        Assert.Equal((0, ""), (spaced.Code, spaced.Err));
        Assert.Equal(spaced, joined);
        Assert.Contains("\"plain\"", joined.Out);
    }

    [Fact]
    public void each_subcommand_has_its_own_help()
    {
        var km = Run("km", "--help");
        Assert.Equal((0, ""), (km.Code, km.Err));
        Assert.Contains("stats km [options]", km.Out);
        Assert.Contains("--conf-type <log|log-log|plain>", km.Out);
        Assert.DoesNotContain("--ties", km.Out);
        var proportion = Run("proportion", "--help");
        Assert.Contains("--method <clopper-pearson|t|wald|wilson>", proportion.Out);
        Assert.DoesNotContain("--csv", proportion.Out);
        var stats = Run("--help");
        foreach (var verb in new[] { "km", "cox", "logrank", "proportion" }) Assert.Contains(verb, stats.Out);
    }

    [Fact]
    public void completion_offers_the_subcommands_and_an_options_choices()
    {
        var root = new System.CommandLine.RootCommand { StatsCommandLine.Create() };
        Assert.Equal(["cox"], root.Parse("stats co").GetCompletions().Select(c => c.Label));
        Assert.Equal(["log", "log-log"], root.Parse("stats km --conf-type lo").GetCompletions().Select(c => c.Label));
    }
}
