using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NpcEcrf.Api.Tests.Analyses;
using Xunit.Abstractions;

namespace NpcEcrf.Api.Tests.Demo;

/// <summary>
/// The demo's reports as a statistician reads them (issue 14): JSON that validates against the published schema with
/// fixed keys only, human labels and no internal names, the populations with their n, and the provenance of each lock.
/// </summary>
[Collection(ReferenceDemoCollection.Name)]
public partial class DemoReportContentTests(DemoFixture demo, ITestOutputHelper output)
{
    private string Report(string name) => File.ReadAllText(demo.Result.Reports[name]);

    [Fact]
    public void both_analyses_the_demo_writes_validate_against_the_published_schema()
    {
        AnalysisSchema.AssertValid(demo.Result.FinalAnalysis);
        AnalysisSchema.AssertValid(demo.Result.InterimAnalysis);
        // The files written beside them too (what a reader downloads).
        AnalysisSchema.Valid(Report("final.json"));
        AnalysisSchema.Valid(Report("interim-2022.json"));
    }

    [Fact]
    public void every_key_of_the_json_is_a_fixed_name_never_a_term_a_covariate_or_a_subject()
    {
        var keys = new HashSet<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o) { keys.Add(key); Walk(value); }
                    break;
                case JsonArray a:
                    foreach (var item in a) Walk(item);
                    break;
            }
        }
        Walk(demo.Result.FinalAnalysis);
        // Identifiers only: a term ("Hand-foot syndrome"), a covariate ("metastatic-sites.liver") or a subject number would not match.
        Assert.All(keys, k => Assert.Matches("^[a-zA-Z][a-zA-Z0-9]*$", k));
        Assert.DoesNotContain("Hand-foot syndrome", keys);
        // And the schema refuses one: a map keyed by a term is not the document.
        var tampered = demo.Result.FinalAnalysis.DeepClone().AsObject();
        tampered["adverseEvents"]!["Hand-foot syndrome"] = new JsonArray(15, 6, 5, 4, 0, 0);
        Assert.NotEmpty(AnalysisSchema.Errors(tampered));
    }

    [Fact]
    public void the_html_and_the_markdown_show_labels_never_internal_names()
    {
        var covariates = demo.Result.FinalAnalysis["covariates"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("prior-therapy.platinumRefractory", covariates);
        foreach (var name in new[] { "final.html", "final.md", "interim-2022.html" })
        {
            var text = Report(name);
            // No factor by its name in the definition ("metastatic-sites.liver", "prior-therapy.platinumRefractory"): by its label.
            Assert.All(covariates, c => Assert.DoesNotContain(c, text));
            // In the words a reader sees (not the markup's own names such as SVG's viewBox).
            Assert.DoesNotMatch(CamelCaseFactor(), Regex.Replace(text, "<[^>]*>", " "));
            // No method enum by its C# name: "Median: SPSS (Collett)", "band: log".
            foreach (var raw in new[] { "Spss", "median: R;", "band: Log", "LogLog", "OnsetOrWorsening", "Treated set" })
                Assert.DoesNotContain(raw, text);
            Assert.Contains("median: SPSS (Collett); band: log", text);
            Assert.Contains("Liver metastases (yes vs no)", text);
        }
    }

    [Fact]
    public void each_table_names_its_population_and_n_and_the_flow_table_leads()
    {
        var markdown = Report("final.md");
        output.WriteLine(markdown[..Math.Min(4000, markdown.Length)]);
        Assert.Contains("## Analysis populations", markdown);
        Assert.Contains("## Baseline characteristics (Enrolled set, n = 30)", markdown);
        Assert.Contains("## Tumour response, RECIST 1.1 (Efficacy-evaluable set, n = 30)", markdown);
        Assert.Contains("## Survival in months (Safety set, n = 30)", markdown);
        Assert.Contains("## Treatment-emergent adverse events, CTCAE", markdown);
        Assert.Contains("(Safety set, n = 30)", markdown);
        Assert.Equal([30, 30, 30], demo.Result.FinalAnalysis["flow"]!.AsArray().Select(f => f!["n"]!.GetValue<int>()));
        // MedDRA classes head their terms.
        Assert.Contains("| Skin and subcutaneous tissue disorders |", markdown);
        Assert.Contains("| \u2003Palmar-plantar erythrodysesthesia syndrome (Hand-foot syndrome) | 10054524 |", markdown);
    }

    [Fact]
    public void the_interim_soft_lock_says_it_is_soft_and_what_was_open_and_the_final_hard_lock_says_hard()
    {
        var interim = demo.Result.InterimAnalysis["provenance"]!;
        var final = demo.Result.FinalAnalysis["provenance"]!;
        output.WriteLine(interim.ToJsonString());
        output.WriteLine(final.ToJsonString());
        Assert.Equal("soft", interim["lock"]!["kind"]!.GetValue<string>());
        Assert.Equal("hard", final["lock"]!["kind"]!.GetValue<string>());
        Assert.Equal(demo.Result.Final.Hash, final["lock"]!["hash"]!.GetValue<string>());
        Assert.NotNull(final["definitionVersion"]);
        Assert.False(string.IsNullOrEmpty(final["softwareVersion"]!.GetValue<string>()));
        var status = interim["dataStatus"]!;
        var open = status["openQueries"]!.GetValue<int>();
        var unsigned = status["unsignedCasebooks"]!.GetValue<int>();
        Assert.True(open + unsigned > 0, "the interim lock froze data still under review");

        var interimText = Report("interim-2022.md");
        Assert.Contains("Lock: interim-2022, soft lock", interimText);
        Assert.Contains("Interim analysis of a soft lock", interimText);
        Assert.Contains($"{open} open {(open == 1 ? "query" : "queries")}", interimText);
        Assert.Contains($"{unsigned} unsigned", interimText);
        var finalText = Report("final.md");
        Assert.Contains("Lock: final, hard lock", finalText);
        Assert.DoesNotContain("soft lock", finalText);
        Assert.Contains($"by NpcEcrf {final["softwareVersion"]!.GetValue<string>()}", finalText);
        Assert.Contains($"study definition version: {final["definitionVersion"]}", finalText);
    }

    // "platinumRefractory", "doseIntensity": a lower-case word run straight into a capital.
    [GeneratedRegex(@"\b[a-z]+[A-Z][a-zA-Z]*\b")]
    private static partial Regex CamelCaseFactor();
}
