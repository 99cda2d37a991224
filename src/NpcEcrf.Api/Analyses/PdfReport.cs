using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NpcEcrf.Api.Analyses;

/// <summary>A PDF, or why there is none: Chromium is not installed (<paramref name="Unavailable"/>), or it failed.</summary>
public sealed record PdfOutcome(byte[]? Pdf, string? Problem, bool Unavailable)
{
    public static PdfOutcome Printed(byte[] pdf) => new(pdf, null, false);
}

/// <summary>
/// The PDF of a report: its own HTML, printed by headless Chromium (Debian's chromium package) with the print style
/// sheet of <see cref="PrintCss"/>: every page has a header and footer (study, lock, hash, page n of N, generation time)
/// and no heading is separated from its table. Chromium is looked up on PATH (chromium, chromium-browser,
/// google-chrome), or named by NPCECRF_CHROMIUM; without it, PDF is refused with a clear message, never a 500.
/// </summary>
public static class PdfReport
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome"];

    public const string Missing = "PDF reports are printed by headless Chromium, which is not installed on this server (Debian: apt-get install chromium; or set NPCECRF_CHROMIUM to the browser's path). The HTML report (format=html) is available and prints the same.";

    /// <summary>The Chromium executable: NPCECRF_CHROMIUM if set, else the first of the usual names on PATH; null if none.</summary>
    public static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable("NPCECRF_CHROMIUM") is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Names.SelectMany(name => path.Select(dir => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }

    public static Task<PdfOutcome> Print(AnalysisReport report, CancellationToken ct) => Print(ReportWriter.Html(report), FindChromium(), ct);

    /// <summary>Prints an HTML page (its own print CSS in force) to PDF with the given Chromium; none: unavailable.</summary>
    public static async Task<PdfOutcome> Print(string html, string? chromium, CancellationToken ct)
    {
        if (chromium is null) return new PdfOutcome(null, Missing, true);
        var work = Directory.CreateTempSubdirectory("npc-ecrf-pdf-");
        try
        {
            var page = Path.Combine(work.FullName, "report.html");
            var pdf = Path.Combine(work.FullName, "report.pdf");
            await File.WriteAllTextAsync(page, html, Encoding.UTF8, ct);
            var start = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in Arguments(work.FullName, page, pdf)) start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
            var stderr = process.StandardError.ReadToEndAsync(ct);
            _ = process.StandardOutput.ReadToEndAsync(ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (ct.IsCancellationRequested) throw;
                return new PdfOutcome(null, $"Chromium did not finish printing the report within {Timeout.TotalSeconds:0} s.", false);
            }
            if (process.ExitCode != 0 || !File.Exists(pdf) || new FileInfo(pdf).Length == 0)
                return new PdfOutcome(null, $"Chromium could not print the report (exit code {process.ExitCode}): {LastLine(await stderr)}", false);
            return PdfOutcome.Printed(await File.ReadAllBytesAsync(pdf, ct));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new PdfOutcome(null, $"Chromium ({chromium}) could not be started: {e.Message}", true);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { /* a browser helper still exiting; the temp folder is the system's to clean */ }
        }
    }

    /// <summary>
    /// Headless, no sandbox (a server may run as root), a throw-away profile, nothing fetched from the network, and
    /// Chromium's own header and footer off: the page's @page boxes print ours.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string workDir, string page, string pdf) =>
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", $"--user-data-dir={Path.Combine(workDir, "profile")}",
        "--no-pdf-header-footer", $"--print-to-pdf={pdf}", new Uri(page).AbsoluteUri,
    ];

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";

    /// <summary>
    /// The print style sheet: A4 pages whose margin boxes carry the study, the lock and its hash (top), the generation
    /// time, the software version and "Page n of N" (bottom); a heading kept with its table; a figure never split.
    /// </summary>
    public static string PrintCss(AnalysisReport report)
    {
        var source = report.Source.LockName is { } name ? $"{(report.Source.LockKind is { } kind ? $"{kind} lock" : "lock")} {name}" : $"as of {report.Source.AsOf?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)} (unpersisted)";
        var top = $"Study {report.StudyId ?? "(not recorded)"} · {source} · cut-off {report.Source.Cutoff:yyyy-MM-dd}";
        var hash = $"SHA-256 {report.Source.LockHash}";
        var generated = $"Generated {report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)} by NpcEcrf {AnalysisReport.SoftwareVersion}";
        return "<style media=\"print\">"
            + "@page{size:A4;margin:20mm 12mm 18mm 12mm;"
            // One box over the page's width, two lines: a long lock name never squeezes the hash into a wrap.
            + $"@top-left{{content:{CssString(top + "\n" + hash)};white-space:pre;font:8pt sans-serif;color:#444;width:100%}}"
            + $"@bottom-left{{content:{CssString(generated)};font:8pt sans-serif;color:#444}}"
            + "@bottom-right{content:\"Page \" counter(page) \" of \" counter(pages);font:8pt sans-serif;color:#444}}"
            + "body{max-width:none;margin:0;font-size:11pt}td,th{font-size:9pt;padding:2px 5px}"
            + "h1,h2{break-after:avoid}.table-block,figure,table,tr{break-inside:avoid}"
            + "svg{max-width:100%;height:auto}"
            + "</style>";
    }

    /// <summary>A CSS string literal that cannot end the string, the rule or the style element, whatever a lock is named.</summary>
    public static string CssString(string text)
    {
        var css = new StringBuilder("\"");
        foreach (var c in text)
            css.Append(c switch
            {
                '"' or '\\' or '<' or '>' or '&' or '\'' => $"\\{(int)c:X} ",
                _ when char.IsControl(c) => $"\\{(int)c:X} ",
                _ => c.ToString(),
            });
        return css.Append('"').ToString();
    }
}
