using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>A missing or misspelt field is a 400 that names it, never a silent 0, false or "no".</summary>
public class MissingFieldTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task ecog_without_a_score_is_refused_naming_score() =>
        await app.RefusedNaming(await app.Enrolled("M-01"), "/ecog", new { assessmentDate = "2021-03-02" }, "score");

    [Fact]
    public async Task an_empty_prior_therapy_form_is_refused_naming_its_fields()
    {
        var problem = await app.RefusedNaming(await app.Enrolled("M-02"), "/forms/prior-therapy", new { data = new { } }, "priorSystemicLines");
        var names = string.Join(",", problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("platinumRefractory", names);
        Assert.Contains("priorRadiotherapy", names);
    }

    [Fact]
    public async Task a_misspelt_metastatic_site_is_refused_naming_it() =>
        await app.RefusedNaming(await app.Enrolled("M-03"), "/forms/metastatic-sites", new { data = new { liverMets = true, lung = false, bone = false, distantLymphNodes = false } }, "liverMets");

    [Fact]
    public async Task a_value_outside_the_code_list_lists_the_allowed_ones()
    {
        var problem = await app.RefusedNaming(await app.Enrolled("M-04"), "/demographics", new { sex = "Male", yearOfBirth = 1966, ageAtEnrolment = 55 }, "sex");
        var message = problem.GetProperty("errors").GetProperty("demographics.sex")[0].GetString()!;
        Assert.Contains("M, F, U, UNDIFFERENTIATED", message);
    }

    [Fact]
    public async Task a_null_for_a_required_value_is_refused() =>
        await app.RefusedNaming(await app.Enrolled("M-05"), "/first-dose", new { date = (string?)null, dose = 12 }, "date");

    [Fact]
    public async Task an_optional_field_may_be_left_out()
    {
        var subject = await app.Enrolled("M-06");
        await subject.Post("/forms/metastatic-sites", new { data = new { liver = true, lung = false, bone = false, distantLymphNodes = false } });
    }
}
