using System.CommandLine;
using NpcEcrf.Analysis.Cli;
using System.Diagnostics;
using System.Text.Json;
using Marten;
using Npgsql;
using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Cli;

public static partial class BenchCommand
{
    private const string Schema = "bench";

    /// <summary>The study as of a timestamp for many subjects, against a plain SQL read of the same events, deserialised.</summary>
    private static Command AsOf()
    {
        var subjects = new Option<int>("--subjects") { Description = "Subjects (about 100 events each).", DefaultValueFactory = _ => 10_000, CustomParser = CliValues.Whole(1) };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("asof", "Time travel: the whole study as of a timestamp, against a plain SQL read of the same events.") { subjects, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            var settings = installation.Settings(Schema);
            await FreshSchema(settings, ct);
            await using var store = AppHost.Store(settings);
            var count = parse.GetValue(subjects);
            var seeding = Stopwatch.StartNew();
            await Seed(store, "BENCH", count, (study, i) => SubjectHistory(study, i, cycles: 40, visits: 25, adverseEvents: 20, contacts: 11, correction: false), ct);
            await Task.Delay(20, ct);
            var at = DateTimeOffset.UtcNow;
            Console.WriteLine($"Seeded {count:N0} subjects in {seeding.Elapsed.TotalSeconds:0} s.");

            await using var session = store.QuerySession();
            var (snapshot, asOfSeconds) = await BestAsync(() => TimeTravel.StudyAt(session, "BENCH", at, _ => true, ct));
            var (events, sqlSeconds) = await BestAsync(() => PlainRead(session, "BENCH", at, ct));
            Console.WriteLine($"{events:N0} events; {snapshot.Casebooks.Count:N0} casebooks as of {at:O}");
            Console.WriteLine($"Plain SQL read + deserialise: {sqlSeconds:0.00} s; study as of (its streams read and folded): {asOfSeconds:0.00} s; ratio {asOfSeconds / sqlSeconds:0.00}x");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// A study and <paramref name="count"/> subjects, each with the history <paramref name="history"/> gives, sealed as
    /// any write is; from subject <paramref name="from"/> on, to grow a study seeded before (it is created only from 0).
    /// </summary>
    internal static async Task Seed(IDocumentStore store, string studyId, int count, Func<string, int, IReadOnlyList<object>> history, CancellationToken ct, int from = 0)
    {
        if (from == 0)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "bench";
            session.Events.StartStream<Study>(Study.IdFor(studyId), new StudyCreated(studyId, "Benchmark"),
                new StudyDefinitionVersioned(1, new DateOnly(2019, 1, 1), Demo.StudyDefinitions.Load(Demo.StudyDefinitions.Reference), null, false),
                new SiteAdded("S1", "Site 1"), new SiteAdded("S2", "Site 2"));
            await session.SaveChangesAsync(ct);
        }
        for (var batch = from; batch < count; batch += 250)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = "bench";
            for (var i = batch; i < Math.Min(count, batch + 250); i++)
            {
                var number = $"B{i:00000}";
                var action = session.Events.StartStream<Casebook>(Casebook.IdFor(studyId, number), history(studyId, i).ToArray());
                // A correction carries its reason as the header, as the pipeline writes it.
                foreach (var e in action.Events.Where(e => e.Data is Corrections.DataPointCorrected))
                    e.SetHeader(Infrastructure.CommandPipeline.ReasonHeader, ((Corrections.DataPointCorrected)e.Data).Reason);
            }
            await session.SaveChangesAsync(ct);
        }
    }

    /// <summary>
    /// One subject's history: enrolment, demographics, ECOG, three study forms, baseline lesions, the first dose, then
    /// <paramref name="cycles"/> cycles, <paramref name="visits"/> assessments, <paramref name="adverseEvents"/> adverse
    /// events, <paramref name="contacts"/> follow-up contacts and, if asked, a correction with its reason.
    /// </summary>
    internal static List<object> SubjectHistory(string studyId, int i, int cycles, int visits, int adverseEvents, int contacts, bool correction)
    {
        var enrolled = new DateOnly(2020, 1, 6).AddDays(i % 700);
        var first = enrolled.AddDays(2);
        var events = new List<object>
        {
            new SubjectEnrolled(studyId, i % 2 == 0 ? "S1" : "S2", $"B{i:00000}", enrolled.AddDays(-3), enrolled, "ANLOTINIB",
                new Dictionary<string, bool> { ["I1"] = true, ["I2"] = true, ["I3"] = true, ["E1"] = false, ["E2"] = false }),
            new DemographicsRecorded("M", enrolled.Year - 55, 55), new EcogRecorded(enrolled, 1),
            new StudyForms.StudyFormEntered("disease-status", null, new() { ["pattern"] = "Metastatic", ["diagnosisDate"] = enrolled.AddYears(-2).ToString("yyyy-MM-dd") }),
            new StudyForms.StudyFormEntered("metastatic-sites", null, new() { ["liver"] = i % 3 == 0, ["lung"] = true, ["bone"] = false, ["distantLymphNodes"] = false, ["other"] = new System.Text.Json.Nodes.JsonArray() }),
            new StudyForms.StudyFormEntered("prior-therapy", null, new() { ["priorSystemicLines"] = 2, ["platinumRefractory"] = true, ["priorRadiotherapy"] = true }),
            new BaselineLesionsRecorded(enrolled.AddDays(-5), "CT", [new TargetLesion("T1", "lung", false, 30m), new TargetLesion("T2", "neck", true, 20m)], []),
            new FirstDoseGiven(first, 12),
        };
        for (var c = 1; c <= cycles; c++) events.Add(new CycleRecorded(c, first.AddDays(21 * (c - 1)), 12, 14, 0));
        for (var v = 1; v <= visits; v++)
            events.Add(new TumourAssessed($"V{v}", first.AddDays(42 * v), "CT", new Dictionary<string, decimal?> { ["T1"] = 27m, ["T2"] = 18m }, NonTargetStatus.NonCRNonPD, false));
        for (var a = 1; a <= adverseEvents; a++) events.Add(new AdverseEventReported($"AE{a}", "Fatigue", 1, first.AddDays(5 * a), false, Relation.Possible, ActionTaken.None));
        for (var k = 1; k <= contacts; k++) events.Add(new ContactRecorded(first.AddDays(1100 + 30 * k), "phone"));
        if (correction) events.Add(new Corrections.DataPointCorrected("prior-therapy", "priorSystemicLines", "2", "3", "Transcription error: three prior lines in the source."));
        return events;
    }

    /// <summary>
    /// The baseline: the study's events up to <paramref name="at"/> (its study stream and the streams the audit index
    /// assigns to it) in one plain SQL statement, in whatever order PostgreSQL reads them, each payload deserialised to
    /// its .NET type and let go.
    /// </summary>
    private static async Task<int> PlainRead(IQuerySession session, string studyId, DateTimeOffset at, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        await using var connection = (NpgsqlConnection)session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select type, data::text from "{schema}".mt_events
            where (stream_id = @study or stream_id in (select stream_id from "{schema}".{NpcEcrf.Api.Audit.AuditIndex.Streams} where study_id = @id)) and timestamp <= @at
            """, connection);
        command.Parameters.AddWithValue("study", Study.IdFor(studyId));
        command.Parameters.AddWithValue("id", studyId);
        command.Parameters.AddWithValue("at", at.ToUniversalTime());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var events = 0;
        while (await reader.ReadAsync(ct))
            if (StoredEvents.TypeFor(reader.GetString(0)) is { } type && JsonSerializer.Deserialize(reader.GetString(1), type, CasebookJson.Options) is not null) events++;
        return events;
    }

    private static async Task<(T Result, double Seconds)> BestAsync<T>(Func<Task<T>> work)
    {
        var result = await work();
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            result = await work();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (result, best);
    }
}
