using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;

namespace NpcEcrf.Api.Studies;

/// <param name="SegregationOfDuties">Whoever entered a value may not verify it, close a query on it, or sign for it (on unless the study says otherwise).</param>
public sealed record StudyCreated(string StudyId, string Title, bool SegregationOfDuties = true);
/// <summary>A version of the study's definition: the first, a revision before any enrolment, or an amendment in force from a date.</summary>
public sealed record StudyDefinitionVersioned(int Version, DateOnly EffectiveFrom, StudyDefinition Definition, string? Reason, bool Amendment);
/// <summary>A site joins the study; its IANA time zone says what "today" is there (UTC when not given).</summary>
public sealed record SiteAdded(string SiteId, string Name, string? TimeZone = null);

/// <summary>A lock was declared on the study: recorded on the study's stream so concurrent locks cannot both commit.</summary>
public sealed record StudyLockDeclared(string LockName);

public sealed record Site(string SiteId, string Name, string TimeZone = "UTC");

/// <summary>A study, its sites and every version of its definition (the protocol the forms and checks read).</summary>
public sealed record Study(Guid Id, string StudyId, string Title, IReadOnlyList<Site> Sites, long Version,
    bool SegregationOfDuties = true, IReadOnlyList<DefinitionVersion>? Definitions = null)
{
    public static Study Create(IEvent<StudyCreated> e) => new(e.StreamId, e.Data.StudyId, e.Data.Title, [], 0, e.Data.SegregationOfDuties, []);
    public Study Apply(SiteAdded e) => this with { Sites = [.. Sites, new Site(e.SiteId, e.Name, e.TimeZone ?? "UTC")] };
    public Study Apply(IEvent<StudyDefinitionVersioned> e) => this with
    {
        Definitions = [.. Versions, new DefinitionVersion(e.Data.Version, e.Data.EffectiveFrom, e.Data.Definition, e.Data.Reason, e.Data.Amendment, e.UserName, Casebooks.EventMeta.AsStored(e.Timestamp))],
    };

    public IReadOnlyList<DefinitionVersion> Versions => Definitions ?? [];

    /// <summary>The version in force on a date: the latest that took effect by then (the first, for dates before it).</summary>
    public DefinitionVersion VersionOn(DateOnly date) =>
        Versions.LastOrDefault(v => v.EffectiveFrom <= date) ?? Versions.FirstOrDefault()
        ?? throw new InvalidOperationException($"Study {StudyId} has no definition.");

    public DefinitionVersion? VersionNumbered(int version) => Versions.FirstOrDefault(v => v.Version == version);

    /// <summary>
    /// The definition in force on the site's calendar at this moment, among the versions recorded by then: an amendment in
    /// force from today does not reach back to what was entered earlier today.
    /// </summary>
    public DefinitionVersion VersionAt(string siteId, DateTimeOffset moment)
    {
        var today = Today(siteId, moment);
        return Versions.LastOrDefault(v => v.EffectiveFrom <= today && !(v.RecordedAt > moment)) ?? VersionOn(today);
    }

    /// <summary>The latest version, in force or announced.</summary>
    public DefinitionVersion Latest => Versions[^1];

    public Study Apply(StudyLockDeclared _) => this;


    /// <summary>The site's own date at this moment: a date in the future is judged by the clinic's calendar.</summary>
    public DateOnly Today(string siteId, DateTimeOffset now)
    {
        var zone = Sites.FirstOrDefault(s => StableIds.Same(s.SiteId, siteId))?.TimeZone ?? "UTC";
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
    }

    public static Guid IdFor(string studyId) => StableIds.For("study", studyId);
}

/// <summary>Stream ids derived from natural keys, so uniqueness is the event store's own stream-id check.</summary>
public static class StableIds
{
    public static Guid For(params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("npc-ecrf/" + string.Join('/', parts.Select(Canonical))));
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>
    /// The one spelling of a natural key: trimmed, lower case, full-width forms folded to ASCII ("ＡNLO-NPC" is ANLO-NPC).
    /// The process runs with invariant globalization, where string.Normalize does not fold compatibility forms.
    /// </summary>
    /// <summary>Whether two spellings name the same key (case, spacing, full-width forms).</summary>
    public static bool Same(string? a, string? b) => a is not null && b is not null && Canonical(a) == Canonical(b);

    /// <summary>Compares keys as <see cref="Same"/> does, for sets and lookups of ids.</summary>
    public static readonly IEqualityComparer<string> Comparer = EqualityComparer<string>.Create((a, b) => Same(a, b), key => Canonical(key).GetHashCode());

    public static string Canonical(string key) =>
        new string(key.Trim().Select(c => c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c).ToArray()).Trim().ToLowerInvariant();
}
