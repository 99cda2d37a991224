using Marten;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.SourceDataVerification;

public static class ReadSdvProgress
{
    public sealed record SubjectProgress(string SubjectNumber, int FormsEntered, int FormsVerified, IReadOnlyList<string> Unverified);
    public sealed record SiteProgress(string SiteId, int FormsEntered, int FormsVerified, double Percent, IReadOnlyList<SubjectProgress> Subjects);

    /// <summary>A form counts as verified while a whole-form verification of it stands.</summary>
    public static SubjectProgress Of(Casebook c)
    {
        var entered = c.Forms.Select(f => f.Form.ToString()).ToList();
        var verified = entered.Where(form => c.Verifications.Any(v => v.Active && v.Form == form && v.Field is null)).ToHashSet();
        return new SubjectProgress(c.SubjectNumber, entered.Count, verified.Count, entered.Where(f => !verified.Contains(f)).Order().ToList());
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/sdv-progress", async (string studyId, HttpContext http, IQuerySession session) =>
        {
            var actor = Actor.From(http.User);
            var casebooks = await session.Query<Casebook>().Where(c => c.StudyId == studyId).ToListAsync(http.RequestAborted);
            return Results.Json(casebooks.Where(c => ReadCasebooks.CanRead(actor, c.StudyId, c.SiteId)).GroupBy(c => c.SiteId).OrderBy(g => g.Key).Select(g =>
            {
                var subjects = g.OrderBy(c => c.SubjectNumber, StringComparer.Ordinal).Select(Of).ToList();
                int entered = subjects.Sum(s => s.FormsEntered), verified = subjects.Sum(s => s.FormsVerified);
                return new SiteProgress(g.Key, entered, verified, entered == 0 ? 0 : Math.Round(100.0 * verified / entered, 1), subjects);
            }), CasebookJson.Options);
        })
        .Produces<SiteProgress[]>()
        .Operation("getSdvProgress", "Read a study's source data verification progress per site", "Source data verification");
}
