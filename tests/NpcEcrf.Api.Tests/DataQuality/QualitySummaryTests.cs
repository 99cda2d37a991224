using System.Net;
using Marten.Events;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.DataQuality;

/// <summary>The asynchronous quality summary catches up under Wolverine's managed projection distribution.</summary>
public class QualitySummaryTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task the_async_summary_counts_corrections_flags_and_verifications()
    {
        var subject = await app.Enrolled("QS-01", "S1");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-20", toDose = 10, reason = "Preference" });
        await subject.Post("/corrections", new { form = "first-dose", field = "date", newValue = "2021-03-05", reason = "Pharmacy log" });
        var monitor = new CasebookClient(await app.ClientFor("monitor.quality", ["monitor"], "S1"), "QS-01");
        await monitor.Post("/verifications", new { form = "first-dose", version = subject.Version });

        await app.App.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        var rows = await (await monitor.Http.GetAsync($"/studies/{StudyFixture.StudyId}/quality-summary")).ShouldBe(HttpStatusCode.OK);
        var row = Assert.Single(rows.EnumerateArray(), r => r.GetProperty("subjectNumber").GetString() == "QS-01");
        Assert.Equal((1, 1, 1), (row.GetProperty("corrections").GetInt32(), row.GetProperty("flagsRaised").GetInt32(), row.GetProperty("verifications").GetInt32()));
    }
}
