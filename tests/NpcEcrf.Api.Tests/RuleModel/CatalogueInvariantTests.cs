using NpcEcrf.Api.Studies;
using System.Net;
using System.Reflection;
using System.Text.Json;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>
/// Properties over the whole form catalogue, so a new form is covered without a new test: every date of every form,
/// corrected to break an order (into the future, before birth, after death), is refused and writes nothing; every
/// required field of every command, left out, is named in a 400.
/// </summary>
public class CatalogueInvariantTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    /// <summary>One subject with every form of the catalogue entered, ending in death.</summary>
    private async Task<CasebookClient> EveryForm(string number)
    {
        var subject = await app.Enrolled(number, "S1");
        await subject.Post("/demographics", new { sex = "F", yearOfBirth = 1966, ageAtEnrolment = 55 });
        await subject.Post("/ecog", new { assessmentDate = "2021-03-02", score = 1 });
        await subject.Post("/forms/disease-status", new { data = new { pattern = "Metastatic", diagnosisDate = "2018-06-10" } });
        await subject.Post("/forms/metastatic-sites", new { data = new { liver = true, lung = false, bone = false, distantLymphNodes = false, other = new[] { new { site = "adrenal" } } } });
        await subject.Post("/forms/prior-therapy", new { data = new { priorSystemicLines = 1, platinumRefractory = true, priorRadiotherapy = true } });
        await subject.Post("/baseline-lesions", new
        {
            assessmentDate = "2021-02-25", method = "CT",
            targets = new[] { new { lesionId = "T1", organ = "liver", nodal = false, diameterMm = 40m } },
            nonTargets = new[] { new { lesionId = "NT1", organ = "bone", description = "T10" } },
        });
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/cycles", new { cycleNumber = 1, startDate = "2021-03-04", dose = 12, tabletsDispensed = 14, tabletsReturned = 0 });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hand-foot syndrome", grade = 2, onsetDate = "2021-03-15", serious = false, relation = "Probable", action = "DoseReduced" });
        await subject.Post("/adverse-events/AE1/grade-changes", new { date = "2021-03-22", grade = 3 });
        await subject.Post("/adverse-events/AE1/resolution", new { resolutionDate = "2021-04-20" });
        await subject.Post("/dose-changes", new { changeId = "DC1", date = "2021-03-25", toDose = 10, reason = "Hand-foot syndrome", adverseEventId = "AE1" });
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-05-01", reason = "Hypertension" });
        await subject.Post("/resumptions", new { interruptionId = "I1", date = "2021-05-08", dose = 10 });
        await subject.Post("/tumour-assessments", new { assessmentId = "V1", date = "2021-04-15", method = "CT", targetDiametersMm = new Dictionary<string, decimal?> { ["T1"] = 30m }, nonTarget = "NonCRNonPD", newLesions = false });
        await subject.Post("/discontinuation", new { date = "2021-07-09", reason = "Progression" });
        await subject.Post("/contacts", new { date = "2021-09-01", method = "phone" });
        await subject.Post("/death", new { date = "2021-10-12", cause = "Disease progression" });
        return subject;
    }

    [Fact]
    public async Task the_subject_holds_every_form_of_the_catalogue_but_lost_to_follow_up()
    {
        var subject = await EveryForm("P-00");
        await using var session = app.Store.QuerySession();
        var casebook = (await session.LoadAsync<Casebook>(Casebook.IdFor(StudyFixture.StudyId, "P-00")))!;
        var missing = FormCatalogue.All.Select(f => f.Name).Except(casebook.Forms.Select(f => f.Form.Name)).ToList();
        Assert.Equal(["lost-to-follow-up"], missing);
        Assert.Empty(casebook.Flags);
        Assert.NotNull(subject.Casebook.GetProperty("death").GetProperty("date").GetString());
    }

    public static TheoryData<string> Breaks => ["2999-01-01", "1900-01-01", "2021-10-13"];

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task every_date_of_every_form_corrected_out_of_order_is_refused_and_writes_nothing(string brokenDate)
    {
        var subject = await EveryForm($"P-{brokenDate[..4]}");
        await using var session = app.Store.QuerySession();
        var casebook = (await session.LoadAsync<Casebook>(Casebook.IdFor(StudyFixture.StudyId, $"P-{brokenDate[..4]}")))!;
        var study = (await session.LoadAsync<Study>(Study.IdFor(StudyFixture.StudyId)))!;
        var dates = CheckFindings.Dates(CasebookChecks.Items(casebook, study))
            .Where(d => !(brokenDate == "2021-10-13" && d.Form.Name == "death"))
            .ToList();
        Assert.True(dates.Count >= 15, $"only {dates.Count} dates");
        foreach (var date in dates)
        {
            var before = subject.Version;
            var response = await subject.Http.PostJson(subject.Url + "/corrections",
                new { form = date.Form.ToString(), field = date.Field, newValue = brokenDate, reason = "property", version = subject.Version });
            var problem = await response.ShouldBe(HttpStatusCode.BadRequest);
            RuleModelFixtures.AssertNames(problem, date.Field);
            var state = await session.Events.FetchStreamStateAsync(casebook.Id);
            Assert.Equal(before, state!.Version);
        }
    }

    public static TheoryData<string> Commands => new(typeof(ISubjectCommand).Assembly.GetTypes()
        .Where(t => t.IsAssignableTo(typeof(ISubjectCommand)) && !t.IsInterface || t == typeof(EnrolSubject))
        .Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(Commands))]
    public void every_required_field_of_every_command_left_out_is_named(string commandType)
    {
        var type = typeof(ISubjectCommand).Assembly.GetType(commandType)!;
        var required = type.GetConstructors().Single().GetParameters()
            .Where(p => !p.HasDefaultValue && new NullabilityInfoContext().Create(p).WriteState != NullabilityState.Nullable)
            .Select(p => char.ToLowerInvariant(p.Name![0]) + p.Name[1..]).ToList();
        Assert.NotEmpty(required);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        StrictJson.Configure(options);
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("{}", type, options));
        var named = StrictJson.Describe(error, type, JsonDocument.Parse("{}").RootElement).Keys;
        Assert.True(required.Order().SequenceEqual(named.Order()), $"required {string.Join(",", required.Order())}; named {string.Join(",", named.Order())}; {error.Message}");
    }
}
