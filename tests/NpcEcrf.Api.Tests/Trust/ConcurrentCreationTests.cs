using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Trust;

/// <summary>Creations race through the one pipeline: one 201, every other answer 409, never a 500.</summary>
public class ConcurrentCreationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static void OneCreatedTheRestConflict(HttpResponseMessage[] responses)
    {
        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.Created) == 1, statuses);
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.Conflict) == responses.Length - 1, statuses);
    }

    [Fact]
    public async Task ten_concurrent_creations_of_one_user()
    {
        var admin = await app.ClientFor("race.admin", ["admin"]);
        OneCreatedTheRestConflict(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            admin.PostJson("/users", new { username = "twin", printedName = "Dr Twin", password = AppFixture.Password, roles = new[] { "cra" } }))));
    }

    [Fact]
    public async Task ten_concurrent_creations_of_one_study()
    {
        var admin = await app.ClientFor("race.admin2", ["admin"]);
        OneCreatedTheRestConflict(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            admin.PostJson("/studies", new { studyId = "RACE-1", title = "Race", definition = TestStudies.ReferenceJson }))));
    }
}

/// <summary>Audit CSV cells a spreadsheet would run as formulas are neutralised.</summary>
public class AuditCsvTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    public void a_cell_that_starts_like_a_formula_is_neutralised(string value, string cell) => Assert.Equal(cell, Api.Audit.ReadAuditTrail.Csv(value));

    [Theory]
    [InlineData("Transcription error", "Transcription error")]
    [InlineData("a, b", "\"a, b\"")]
    public void an_ordinary_cell_is_written_as_it_is(string value, string cell) => Assert.Equal(cell, Api.Audit.ReadAuditTrail.Csv(value));
}
