using Npgsql;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>What an inspector's consultant does: plain SQL as a database administrator, triggers and foreign keys set aside.</summary>
public static class Tampering
{
    /// <summary>A subject with a few sealed events: enrolment, ECOG, first dose and a correction.</summary>
    public static async Task<Guid> Subject(StudyFixture app, string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/corrections", new { form = "ecog", field = "score", newValue = 2, reason = "Re-read" });
        return Casebook.IdFor(StudyFixture.StudyId, number);
    }

    /// <summary>Any later honest activity (here a new account and its login): the store moves on past the subject.</summary>
    public static Task Later(AppFixture app) => app.ClientFor($"later.{Guid.NewGuid():N}"[..20], ["auditor"]);

    public static StoreVerifier Verifier(AppFixture app) => new(app.Settings, app.Store);

    /// <summary>The oracle: the global chain's head after every event up to <paramref name="upTo"/>, walked over rows held in memory.</summary>
    public static ChainHead HeadAt(IEnumerable<EventRow> rows, long upTo)
    {
        var chain = new GlobalChain.Walk();
        foreach (var row in rows.Where(r => r.Sequence <= upTo && !r.IsMartenPlaceholder).OrderBy(r => r.Sequence)) chain.Add(row);
        return chain.Head;
    }

    public static async Task<VerificationReport> Verify(AppFixture app, ChainHead? against = null) => await Verifier(app).Verify(against, default);

    /// <summary>Runs SQL as the administrator would: replica mode switches off triggers (and foreign keys) that would refuse it.</summary>
    public static async Task Sql(AppFixture app, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection((await TestDatabase.ConnectionsAsync()).Superuser);
        await connection.OpenAsync();
        await using (var replica = new NpgsqlCommand("set session_replication_role = replica", connection)) await replica.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{s}", $"\"{app.Schema}\""), connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<IReadOnlyList<EventRow>> Stream(AppFixture app, Guid streamId)
    {
        await using var connection = new NpgsqlConnection((await TestDatabase.ConnectionsAsync()).Superuser);
        await connection.OpenAsync();
        return (await EventRows.Read(connection, app.Schema, null, default)).Where(r => r.StreamId == streamId).OrderBy(r => r.Version).ToList();
    }

    /// <summary>What someone holding the seal key can do: re-seal rows of a stream from <paramref name="fromVersion"/> on, after changing payloads.</summary>
    public static async Task Reseal(AppFixture app, Guid streamId, long fromVersion, Func<EventRow, string> payload)
    {
        var seal = new EventSeal(app.Settings.SigningKey);
        var rows = await Stream(app, streamId);
        var previous = rows.Single(r => r.Version == fromVersion - 1).Seal;
        foreach (var row in rows.Where(r => r.Version >= fromVersion))
        {
            var data = payload(row);
            var assigned = row.Assigned! with { PayloadDigest = EventSeal.PayloadDigest(data) };
            previous = seal.Compute(previous, row.Facts with { DataJson = data }, assigned);
            await Sql(app, """
                update {s}.mt_events set data = @data::jsonb,
                    headers = headers || jsonb_build_object('seal', @seal::text, 'sealed', @sealed::text)
                where seq_id = @seq
                """, ("data", data), ("seal", previous), ("sealed", assigned.ToHeader()), ("seq", row.Sequence));
        }
    }
}
