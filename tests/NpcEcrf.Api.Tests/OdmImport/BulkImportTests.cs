using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Marten;
using Npgsql;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Cli;
using NpcEcrf.Api.Exports;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.OdmImport;

/// <summary>
/// The import's bulk write of subject streams (SealedBulkAppend) against the session write it replaces: the same file
/// imported both ways stores the same mt_streams and mt_events rows and the same casebook documents (ids, sequence
/// numbers, times, the study's id and seals aside), verify is clean, and a save that fails after the COPY leaves nothing.
/// </summary>
public class BulkImportTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly DateTimeOffset Started = DateTimeOffset.UtcNow;

    private async Task<byte[]> Exported(string source, int subjects)
    {
        await BenchCommand.Seed(app.Store, source, subjects, (study, i) => BenchCommand.SubjectHistory(study, i, cycles: 2, visits: 1, adverseEvents: 1, contacts: 1, correction: true), default);
        await using var query = app.Store.QuerySession();
        return Encoding.UTF8.GetBytes(await OdmExport.Write(query, source, DateTimeOffset.UtcNow, default));
    }

    private static OdmImportPlan Plan(byte[] file, string studyId)
    {
        var (odm, unreadable) = OdmFileReader.Read(file, "bulk.xml", long.MaxValue);
        Assert.Null(unreadable);
        var (plan, refused) = OdmImportPlanner.Plan(odm!, studyId, null, new DateOnly(2026, 1, 1));
        Assert.Null(refused);
        return plan!;
    }

    private async Task<CommandOutcome> Import(OdmImportPlan plan, ImportOdm.SubjectWrite how, Action<IDocumentSession>? before = null)
    {
        await using var session = app.Store.LightweightSession();
        session.LastModifiedBy = "importer";
        session.CorrelationId = "corr-bulk";
        before?.Invoke(session);
        return await ImportOdm.Write(session, Actor.Operator("importer"), plan, default, how);
    }

    private static Guid[] Subjects(OdmImportPlan plan) => plan.Subjects.Select(s => Casebook.IdFor(plan.StudyId, s.SubjectNumber)).ToArray();

    /// <summary>Rows as JSON, in subject then version order, without what differs by nature between two imports.</summary>
    private async Task<List<string>> Rows(string sql, OdmImportPlan plan, Func<JsonObject, JsonObject> normalise)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{s}", $"\"{app.Schema}\""), connection);
        command.Parameters.AddWithValue("ids", Subjects(plan));
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(Normalised(normalise(JsonNode.Parse(reader.GetString(0))!.AsObject()).ToJsonString(), plan));
        return rows;
    }

    /// <summary>The study's id and stream ids as placeholders, and every time of this test run as "T" (the source file's times stay).</summary>
    private static string Normalised(string json, OdmImportPlan plan)
    {
        foreach (var (id, i) in Subjects(plan).Select((id, i) => (id, i))) json = json.Replace(id.ToString(), $"subject-{i}").Replace(id.ToString("N"), $"subject-{i}");
        json = json.Replace(plan.StudyId, "STUDY");
        return Regex.Replace(json, @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", m =>
            DateTimeOffset.TryParse(m.Value, null, System.Globalization.DateTimeStyles.AssumeUniversal, out var t) && t >= Started.AddMinutes(-1) ? "T" : m.Value);
    }

    private static JsonObject Event(JsonObject row)
    {
        foreach (var column in new[] { "seq_id", "id", "stream_id", "timestamp" }) row.Remove(column);
        var headers = row["headers"]!.AsObject();
        Assert.StartsWith(EventSeal.V2Prefix, (string)headers[EventSeal.Header]!);
        headers.Remove(EventSeal.Header); // over the stream id, the time and the witness: verify checks it
        var assigned = AssignedFacts.Parse((string)headers[EventSeal.FactsHeader]!)!;
        Assert.NotNull(assigned.Witness);
        Assert.Equal(EventSeal.PayloadDigest(row["data"]!.ToJsonString()), assigned.PayloadDigest);
        headers[EventSeal.FactsHeader] = $"{assigned.Version}|T|{assigned.PreviousSequence}|digest|witness";
        return row;
    }

    [Fact]
    public async Task the_bulk_write_stores_the_rows_and_casebooks_the_session_write_stores_and_verifies_clean()
    {
        var file = await Exported("BULK-SRC", 3);
        var (bySession, byBulk) = (Plan(file, "BULK-SESSION"), Plan(file, "BULK-COPY"));
        Assert.IsType<CommandOutcome.Accepted>(await Import(bySession, ImportOdm.SubjectWrite.Session));
        Assert.IsType<CommandOutcome.Accepted>(await Import(byBulk, ImportOdm.SubjectWrite.Bulk));

        const string events = "select to_jsonb(e)::text from {s}.mt_events e where stream_id = any(@ids) order by array_position(@ids, stream_id), version";
        const string streams = "select (to_jsonb(s) - 'id' - 'timestamp' - 'created')::text from {s}.mt_streams s where id = any(@ids) order by array_position(@ids, id)";
        const string casebooks = "select (to_jsonb(d) - 'id' - 'mt_last_modified')::text from {s}.mt_doc_casebook d where id = any(@ids) order by array_position(@ids, id)";
        var expected = await Rows(events, bySession, Event);
        Assert.Equal(bySession.Subjects.Sum(s => s.Events.Count), expected.Count);
        Assert.Equal(expected, await Rows(events, byBulk, Event));
        Assert.Equal(await Rows(streams, bySession, r => r), await Rows(streams, byBulk, r => r));
        var books = await Rows(casebooks, bySession, r => r);
        Assert.Equal(3, books.Count);
        Assert.Equal(books, await Rows(casebooks, byBulk, r => r));

        await Later(app);
        var verified = await Verify(app);
        Assert.True(verified.Clean, string.Join("\n", verified.Findings));
    }

    [Fact]
    public async Task a_save_that_fails_after_the_copy_leaves_no_subject_stream_event_or_casebook()
    {
        var plan = Plan(await Exported("BULK-SRC2", 2), "BULK-FAILS");
        // jsonb refuses a NUL character: the session's own insert fails at SaveChanges, after the subjects were COPYed.
        var poisoned = new ProcessedCommand(Guid.NewGuid(), Guid.NewGuid(), 1, "nul\0user", null);
        await Assert.ThrowsAnyAsync<Exception>(() => Import(plan, ImportOdm.SubjectWrite.Bulk, s => s.Insert(poisoned)));

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "mt_streams where id", "mt_events where stream_id", "mt_doc_casebook where id" })
        {
            await using var count = new NpgsqlCommand($"select count(*) from \"{app.Schema}\".{table} = any(@ids)", connection);
            count.Parameters.AddWithValue("ids", Subjects(plan).Append(Study.IdFor(plan.StudyId)).ToArray());
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
        // And the same import then goes through: nothing of the failed one is in its way.
        Assert.IsType<CommandOutcome.Accepted>(await Import(plan, ImportOdm.SubjectWrite.Bulk));
    }
}
