using System.Net;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Api.Tests.Infrastructure;
using static NpcEcrf.Api.Tests.TamperEvidence.Tampering;

namespace NpcEcrf.Api.Tests.TamperEvidence;

/// <summary>The seal's reads made ahead, in a command's first batch, serve only the append they were read for.</summary>
public class SealReadAheadTests
{
    private static readonly Guid StreamId = Guid.Parse("7d3c1a52-5a8e-4c1f-9c57-3f1e2b9a0d11");
    private static readonly Guid Other = Guid.Parse("0b6e2f4d-1c9a-4e3b-8f70-2a5d6c8e9f01");

    private static readonly string Read =
        $$$"""{"tail" : {"version" : 4, "sequence" : 120, "seal" : "v2:abc"}, "witness" : {"sequence" : 131, "stream" : "{{{Other}}}", "version" : 2}}""";

    [Fact]
    public void the_tail_serves_an_append_still_expected_at_the_version_it_was_read_at()
    {
        var ahead = SealReads.Parse(StreamId, Read);
        Assert.Equal(new StreamTail(4, 120, "v2:abc"), ahead.TailFor(StreamId, 4));
        Assert.Equal(new Witness(131, Other, 2), ahead.Witness);
    }

    [Theory]
    [InlineData(5L)]  // the stream moved on: the save reads again (and fails on the concurrent append)
    [InlineData(3L)]
    [InlineData(null)] // an append that states no version is pinned by the listener's own read
    public void an_append_at_another_version_reads_the_tail_again(long? expected) =>
        Assert.Null(SealReads.Parse(StreamId, Read).TailFor(StreamId, expected));

    [Fact]
    public void another_stream_reads_its_own_tail() => Assert.Null(SealReads.Parse(StreamId, Read).TailFor(Other, 4));

    [Fact]
    public void an_empty_store_has_no_tail_and_no_witness()
    {
        var ahead = SealReads.Parse(StreamId, """{"tail" : null, "witness" : null}""");
        Assert.Null(ahead.TailFor(StreamId, 0));
        Assert.Null(ahead.Witness);
    }
}

/// <summary>Writers racing on one casebook, each with the version it saw: every save chains to its real predecessor.</summary>
public class ConcurrentWriterTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task concurrent_writers_on_one_casebook_leave_one_unbroken_chain()
    {
        var subject = await app.Enrolled("W-01", "S1");
        var version = subject.Version;
        (string Path, object Body)[] forms =
        [
            ("/demographics", (object)new { sex = "M", yearOfBirth = 1966, ageAtEnrolment = 55, version }),
            ("/ecog", (object)new { assessmentDate = "2021-03-02", score = 1, version }),
            ("/baseline-lesions", (object)new { assessmentDate = "2021-02-25", method = "CT", targets = new[] { new { lesionId = "T1", organ = "lung", nodal = false, diameterMm = 30m } }, version }),
            ("/first-dose", (object)new { date = "2021-03-04", dose = 12, version }),
        ];
        var responses = await Task.WhenAll(forms.Select(f => subject.Http.PostJson(subject.Url + f.Path, f.Body)));

        // Each form touches only itself: a conflict is retried from the start, so all go through, or answer 409 (never 500).
        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(responses.All(r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict), statuses);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var rows = await Stream(app, Casebook.IdFor(StudyFixture.StudyId, "W-01"));
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(v => (long)v), rows.Select(r => r.Version));
        var report = await Verify(app);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }
}
