using Marten;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// A user works at a site of a study: assignments are "STUDY/SITE", checked against the study's sites. A bare site id
/// is accepted when exactly one study has that site, and stored qualified; an unknown site is refused.
/// </summary>
public static class SiteAssignments
{
    public static string Key(string studyId, string siteId) => $"{studyId}/{siteId}";

    /// <summary>
    /// Whether assignments reach a study's site: "STUDY/SITE", or a bare site id (an account from before assignments
    /// named the study), which matches that site in any study.
    /// </summary>
    public static bool Covers(IEnumerable<string> assignments, string studyId, string siteId) =>
        assignments.Any(a => StableIds.Same(a, Key(studyId, siteId)) || StableIds.Same(a, siteId));

    /// <summary>The canonical "STUDY/SITE" an assignment names, or why it names none.</summary>
    public static (string? Key, string? Error) Resolve(IReadOnlyList<Study> studies, string assignment)
    {
        var slash = assignment.IndexOf('/');
        var (studyId, siteId) = slash > 0 ? (assignment[..slash].Trim(), assignment[(slash + 1)..].Trim()) : ((string?)null, assignment.Trim());
        var matches = studies.Where(s => studyId is null || StableIds.Same(s.StudyId, studyId))
            .SelectMany(s => s.Sites.Where(site => StableIds.Same(site.SiteId, siteId)).Select(site => Key(s.StudyId, site.SiteId)))
            .ToList();
        return matches.Count switch
        {
            1 => (matches[0], null),
            0 => (null, $"No study has a site '{assignment}'."),
            _ => (null, $"Site '{siteId}' is in several studies ({string.Join(", ", matches)}); say which, as STUDY/SITE."),
        };
    }

    /// <summary>Resolves every assignment, naming each one that fails by its position.</summary>
    public static async Task<(IReadOnlyList<string> Keys, Rejection? Refusal)> ResolveAll(IQuerySession session, IReadOnlyList<string> assignments, string field, CancellationToken ct)
    {
        if (assignments.Count == 0) return ([], null);
        // Accounts are global; with a database per study the studies are each in their own database.
        var studies = await Infrastructure.StudyRouting.EveryStudy(session, s => s.Query<Study>().ToListAsync(ct));
        var resolved = assignments.Select(a => Resolve(studies, a)).ToList();
        var errors = resolved.Select((r, i) => (r.Error, Field: assignments.Count == 1 && field == "siteId" ? field : $"{field}[{i}]"))
            .Where(e => e.Error is not null).ToDictionary(e => e.Field, e => new[] { e.Error! });
        return errors.Count > 0 ? ([], Rejection.Invalid(errors, "Unknown site.")) : (resolved.Select(r => r.Key!).Distinct().ToList(), null);
    }
}
