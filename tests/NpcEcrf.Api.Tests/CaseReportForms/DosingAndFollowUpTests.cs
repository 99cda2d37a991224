using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.CaseReportForms;

public class DosingAndFollowUpTests(StudyFixture app) : IClassFixture<StudyFixture>
{
    [Fact]
    public async Task interruption_resumption_resolution_and_loss_to_follow_up()
    {
        var subject = await app.Enrolled("D-01", "S2");
        await subject.Post("/first-dose", new { date = "2021-03-04", dose = 12 });
        await subject.Post("/adverse-events", new { adverseEventId = "AE1", term = "Hypertension", grade = 3, onsetDate = "2021-03-10", serious = false, relation = "Probable", action = "Interrupted" });
        await subject.Post("/interruptions", new { interruptionId = "I1", date = "2021-03-11", reason = "Grade 3 hypertension", adverseEventId = "AE1" });
        await subject.Post("/interruptions", new { interruptionId = "I2", date = "2021-03-12", reason = "again" }, HttpStatusCode.BadRequest);
        await subject.Post("/resumptions", new { interruptionId = "I1", date = "2021-03-09", dose = 10 }, HttpStatusCode.BadRequest);
        await subject.Post("/resumptions", new { interruptionId = "I1", date = "2021-03-18", dose = 10 });
        await subject.Post("/adverse-events/AE1/resolution", new { resolutionDate = "2021-03-25" });
        await subject.Post("/adverse-events/AE1/grade-changes", new { date = "2021-03-26", grade = 2 }, HttpStatusCode.Conflict);
        await subject.Post("/discontinuation", new { date = "2021-05-01", reason = "Other" }, HttpStatusCode.BadRequest);
        await subject.Post("/discontinuation", new { date = "2021-05-01", reason = "Withdrawal", details = "Consent withdrawn" });
        var casebook = await subject.Post("/lost-to-follow-up", new { lastKnownAliveDate = "2021-06-01", details = "Moved away, no contact" });

        Assert.Equal("LostToFollowUp", casebook.GetProperty("status").GetString());
        Assert.Equal("2021-03-25", casebook.GetProperty("adverseEvents")[0].GetProperty("resolutionDate").GetString());
        Assert.Equal("2021-03-18", casebook.GetProperty("resumptions")[0].GetProperty("date").GetString());
        await subject.Post("/death", new { date = "2021-05-15", cause = "Unknown" }, HttpStatusCode.BadRequest);
    }
}
