using Marten;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>An event type no projection knows: only the failed save below ever appends one.</summary>
public sealed record PlaceholderProbe(string Note);

/// <summary>Nothing is reported that did not happen: a store only the application wrote verifies clean, Marten's own placeholders included.</summary>
public class CleanStoreTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_clean_store_with_a_lock_verifies_clean_and_the_lock_records_the_chain_head()
    {
        await Subject(app, "C-01");
        var dm = await app.ClientFor("dm.clean", ["data-manager"]);
        var locked = await (await dm.PostJson("/locks", new { studyId = StudyFixture.StudyId, name = "clean", cutoff = "2021-12-31", reason = "Analysis", kind = "Soft" }))
            .ShouldBe(System.Net.HttpStatusCode.Created);
        await Later(app);
        var report = await Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        await using var session = app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(Guid.Parse(locked.GetProperty("id").GetString()!));
        var head = ChainHead.Parse(events.Select(e => e.Data).OfType<Api.Locks.DatabaseLocked>().Single().ChainHead);
        Assert.NotNull(head);
        Assert.Empty((await Verify(app, head)).Findings);
    }

    [Fact]
    public async Task a_clean_store_with_a_marten_placeholder_verifies_clean_and_notes_it()
    {
        var id = await Subject(app, "C-02");
        // A save that fails after Marten drew its sequence numbers (here: a document inserted twice beside a new
        // stream): Marten fills the numbers with placeholder events on the tombstone stream, off the caller's path.
        await using var reader = app.Store.QuerySession();
        var casebook = (await reader.LoadAsync<Api.Casebooks.Casebook>(id))!;
        await using (var session = app.Store.LightweightSession())
        {
            session.Events.StartStream(Guid.NewGuid(), new PlaceholderProbe("never stored"));
            session.Insert(casebook);
            await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        }
        await PlaceholdersWritten();
        await Later(app);

        var report = await Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Contains(report.Notes, n => n.Contains("placeholder"));
    }

    /// <summary>Marten writes placeholders asynchronously (its wait for them is internal): poll the table.</summary>
    private async Task PlaceholdersWritten()
    {
        for (var i = 0; i < 100; i++)
        {
            await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
            await connection.OpenAsync();
            if ((await EventRows.Read(connection, app.Schema, null, default)).Any(r => r.Type == "tombstone")) return;
            await Task.Delay(100);
        }
        Assert.Fail("Marten wrote no placeholder event.");
    }
}
