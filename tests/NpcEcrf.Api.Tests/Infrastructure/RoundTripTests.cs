using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Infrastructure;

/// <summary>
/// What one command costs the database in round trips (docs/performance.md, "The write path over HTTP"): every Npgsql
/// command or batch run under the request's trace, from Npgsql's tracing.
/// </summary>
public class RoundTripTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task a_casebook_command_reads_in_one_round_trip_and_saves_in_a_second()
    {
        var subject = await app.Enrolled("RT-01");
        var statements = await RoundTrips(subject.Http, subject.Url + "/ecog", new { assessmentDate = "2021-03-02", score = 1, version = subject.Version });
        Assert.True(statements.Count == 2, string.Join("\n", statements));
        Assert.Contains("mt_quick_append_events", statements[1]);
    }

    [Fact]
    public async Task an_enrolment_reads_in_one_round_trip_saves_in_a_second_and_reads_its_answer_in_a_third()
    {
        var cra = await app.ClientFor("cra.rt", ["cra"], $"{StudyFixture.StudyId}/S1");
        var statements = await RoundTrips(cra, $"/studies/{StudyFixture.StudyId}/subjects",
            new { subjectNumber = "RT-02", siteId = "S1", consentDate = "2021-03-01", enrolmentDate = "2021-03-03", eligibility = TestStudies.Eligible },
            HttpStatusCode.Created);
        Assert.True(statements.Count == 3, string.Join("\n", statements));
    }

    /// <summary>The statements the server ran for one request, in order; the account lookup behind the token is authentication's, not the command's.</summary>
    private static async Task<List<string>> RoundTrips(HttpClient http, string url, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var trace = ActivityTraceId.CreateRandom();
        var statements = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            // The host makes the request's activity (child of the traceparent below) only when someone listens to it.
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name != "Npgsql" || activity.TraceId != trace) return;
                statements.Enqueue((activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName);
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        await (await http.SendAsync(request)).ShouldBe(expected);
        return [.. statements.Where(s => !s.Contains("mt_doc_useraccount", StringComparison.Ordinal))];
    }
}
