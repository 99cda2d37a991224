using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using NpcEcrf.Api.Tests.Demo;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>A lock's SDTM and ADaM, over HTTP for the readers of a whole lock: every file valid, named, and the same each time.</summary>
[Collection(ReferenceDemoCollection.Name)]
public class ExportDatasetsTests(DemoFixture demo)
{
    private async Task<Dictionary<string, byte[]>> Export(string standard, string format, string role = "statistician")
    {
        var client = await demo.ClientFor($"export.{role}", [role]);
        var response = await (await client.GetAsync($"/locks/final/export/{standard}?format={format}")).EnsureZip();
        using var zip = new ZipArchive(new MemoryStream(response));
        return zip.Entries.ToDictionary(e => e.FullName, e => { using var s = e.Open(); using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); });
    }

    [Fact]
    public async Task every_sdtm_and_adam_dataset_json_validates_and_names_the_lock()
    {
        foreach (var standard in new[] { "sdtm", "adam" })
        {
            var files = await Export(standard, "json");
            Assert.Contains("define.xml", files.Keys);
            foreach (var (name, bytes) in files.Where(f => f.Key.EndsWith(".json")))
            {
                var json = JsonNode.Parse(bytes)!;
                DatasetJsonSchema.AssertValid(json);
                Assert.Contains(demo.Result.Final.Hash, json["fileOID"]!.GetValue<string>());
            }
            var define = XDocument.Parse(System.Text.Encoding.UTF8.GetString(files["define.xml"]));
            Assert.Contains(demo.Result.Final.Hash, define.ToString());
        }
    }

    [Fact]
    public async Task the_adam_transport_files_read_back_and_hold_every_treated_subjects_survival()
    {
        var files = await Export("adam", "xpt");
        Assert.Equal(["adae.xpt", "adrs.xpt", "adsl.xpt", "adtte.xpt", "define.xml"], files.Keys.Order());
        var adtte = XptReader.Read(files["adtte.xpt"]);
        Assert.Equal(60, adtte.Rows.Count);
        var adsl = XptReader.Read(files["adsl.xpt"]);
        Assert.Equal(30, adsl.Rows.Count);
        // The same lock gives the same bytes: a file's SHA-256 can be checked against a re-export.
        Assert.Equal(files["adtte.xpt"], (await Export("adam", "xpt"))["adtte.xpt"]);
    }

    [Fact]
    public async Task an_auditor_exports_the_study_as_of_a_moment_and_at_the_locks_cut_off_it_holds_the_locks_data()
    {
        var auditor = await demo.ClientFor("export.auditor", ["auditor"]);
        var at = DateTimeOffset.UtcNow.ToString("O");
        var response = await (await auditor.GetAsync($"/studies/ANLO-NPC/export/adam?at={Uri.EscapeDataString(at)}&cutoff={demo.Result.Final.Cutoff}&format=xpt")).EnsureZip();
        using var zip = new ZipArchive(new MemoryStream(response));
        byte[] Read(string name) { using var s = zip.GetEntry(name)!.Open(); using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }
        var asOf = XptReader.Read(Read("adtte.xpt"));
        var locked = XptReader.Read((await Export("adam", "xpt"))["adtte.xpt"]);
        Assert.Equal(locked.Rows.Select(r => string.Join("|", r)), asOf.Rows.Select(r => string.Join("|", r)));

        var statistician = await demo.ClientFor("export.stat", ["statistician"]);
        await (await statistician.GetAsync($"/studies/ANLO-NPC/export/adam?at={Uri.EscapeDataString(at)}")).ShouldBe(HttpStatusCode.Forbidden);
        await (await auditor.GetAsync($"/studies/NO-SUCH/export/sdtm?at={Uri.EscapeDataString(at)}")).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task readers_of_one_site_bad_formats_and_unknown_standards_are_refused()
    {
        var monitor = await demo.ClientFor("export.monitor", ["monitor"]);
        await (await monitor.GetAsync("/locks/final/export/sdtm?format=json")).ShouldBe(HttpStatusCode.Forbidden);
        var statistician = await demo.ClientFor("export.stat", ["statistician"]);
        var problem = await (await statistician.GetAsync("/locks/final/export/sdtm?format=sas7bdat")).ShouldBe(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("format", out _));
        await (await statistician.GetAsync("/locks/final/export/send?format=json")).ShouldBe(HttpStatusCode.NotFound);
        await (await statistician.GetAsync("/locks/no-such-lock/export/adam?format=json")).ShouldBe(HttpStatusCode.NotFound);
    }
}

internal static class ZipResponses
{
    public static async Task<byte[]> EnsureZip(this HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
