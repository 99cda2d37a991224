using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Analyses;
using AnalysesApi = NpcEcrf.Api.Analyses.Analyses;

namespace NpcEcrf.Api.Tests.Analyses;

/// <summary>
/// The PDF of a report: printed by headless Chromium with a header and footer on every page (study, lock, hash, page n
/// of N, generation time), headings kept with their tables; without Chromium a 501 that says what to install.
/// </summary>
public class PdfReportTests
{
    private static AnalysisReport Report()
    {
        // Enough subjects and terms for a report of several pages.
        var subjects = Enumerable.Range(1, 40).Select(i => new AnalysisSubject($"P-{i:00}", "S1", "A", 40 + i, i % 2 == 0 ? "F" : "M", i % 3 == 0 ? 1 : 0,
            new Dictionary<string, object?>(), 3, 0, 1.0, i % 4 == 0 ? "PR" : "SD", i % 4 == 0 ? -40 : -5, 2 + i / 4.0, i % 5 != 0, 4 + i / 3.0, i % 3 != 0, 2 + i / 5.0,
            false, "Progression", new Dictionary<string, int> { [$"Term {i % 12}"] = 1 + i % 5 },
            Treated: true, Eligible: true, PostBaselineAssessments: 2)).ToList();
        var terms = subjects.SelectMany(s => s.WorstGradeByTerm.Keys).Distinct().Order().ToList();
        var dataset = new AnalysisDataset(subjects, [new("A", "Only arm")], [], terms);
        return new AnalysisReport(new AnalysisSource("lock", "final \"quoted\" </style>", new string('b', 64), new DateOnly(2024, 6, 1), 7, null, "soft"), AnalysisProfile.Paper, null,
            StudyAnalysis.Run(dataset, AnalysisProfile.Paper, null), subjects, new DateTimeOffset(2024, 6, 2, 10, 0, 0, TimeSpan.Zero), "5.0") { StudyId = "PDF-STUDY" };
    }

    [Fact]
    public void the_print_css_puts_study_lock_hash_time_and_page_n_of_n_in_every_page_s_margins_whatever_the_lock_is_called()
    {
        var css = PdfReport.PrintCss(Report());
        Assert.Contains($"@top-left{{content:\"Study PDF-STUDY · soft lock final \\22 quoted\\22  \\3C /style\\3E  · cut-off 2024-06-01\\A SHA-256 {new string('b', 64)}\"", css);
        Assert.Contains("Generated 2024-06-02 10:00:00 UTC by NpcEcrf", css);
        Assert.Contains("content:\"Page \" counter(page) \" of \" counter(pages)", css);
        Assert.Equal(1, css.Split("</style>").Length - 1);
        Assert.Equal("\"a\\5C b\\A c\"", PdfReport.CssString("a\\b\nc"));
        // A heading, its table and its footnotes are one block that printing does not split.
        var html = ReportWriter.Html(Report());
        Assert.Contains("<section class=\"table-block\"><h2>", html);
        Assert.Contains(".table-block,figure,table,tr{break-inside:avoid}", html);
    }

    [Fact]
    public async Task without_chromium_a_pdf_is_a_501_that_says_what_to_install_and_a_failed_print_a_503()
    {
        var missing = await PdfReport.Print("<html></html>", null, CancellationToken.None);
        Assert.True(missing.Unavailable);
        var problem = Assert.IsAssignableFrom<IStatusCodeHttpResult>(AnalysesApi.Pdf(missing));
        Assert.Equal(StatusCodes.Status501NotImplemented, problem.StatusCode);
        Assert.Contains("apt-get install chromium", missing.Problem);

        var failed = await PdfReport.Print("<html></html>", "/bin/false", CancellationToken.None);
        Assert.False(failed.Unavailable);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, Assert.IsAssignableFrom<IStatusCodeHttpResult>(AnalysesApi.Pdf(failed)).StatusCode);
        Assert.Contains("exit code 1", failed.Problem);
    }

    [Theory]
    [InlineData(null, "application/pdf", "pdf")]
    [InlineData(null, "text/html,application/xhtml+xml", "html")]
    [InlineData("md", "application/pdf", "md")]
    [InlineData(null, null, "json")]
    [InlineData("PDF", null, "pdf")]
    public void the_query_s_format_wins_over_the_accept_header(string? format, string? accept, string chosen) =>
        Assert.Equal(chosen, AnalysesApi.Format(format, accept));

    [Fact]
    public async Task with_chromium_every_page_of_the_pdf_has_the_header_and_footer()
    {
        var chromium = PdfReport.FindChromium();
        var outcome = await PdfReport.Print(ReportWriter.Html(Report()), chromium, CancellationToken.None);
        if (chromium is null)
        {
            Assert.True(outcome.Unavailable);
            return;
        }
        var pdf = outcome.Pdf!;
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        var path = Path.GetTempFileName();
        await File.WriteAllBytesAsync(path, pdf);
        try
        {
            var text = Run("pdftotext", "-layout", path, "-");
            if (text is null) return; // poppler-utils not installed: the PDF's text is not readable here.
            var pages = text.Split('\f').Where(p => p.Trim().Length > 0).ToList();
            Assert.True(pages.Count >= 2, $"a report of {pages.Count} page(s)");
            for (var i = 0; i < pages.Count; i++)
            {
                foreach (var expected in new[] { "Study PDF-STUDY · soft lock final \"quoted\" </style> · cut-off 2024-06-01", $"SHA-256 {new string('b', 64)}",
                             "Generated 2024-06-02 10:00:00 UTC by NpcEcrf", $"Page {i + 1} of {pages.Count}" })
                    Assert.True(pages[i].Contains(expected), $"page {i + 1} lacks '{expected}':\n{pages[i]}");
            }
        }
        finally { File.Delete(path); }
    }

    private static string? Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
