using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;
using NpcEcrf.Analysis;

namespace NpcEcrf.Api.Locks;

public sealed record DoseChangeSnapshot(DateOnly Date, decimal FromDose, decimal ToDose, string Reason, string? AdverseEventTerm);
/// <param name="LatestOnset">The latest onset of the term's events: one on or after the first dose makes the term treatment-emergent.</param>
/// <param name="Episodes">Each event of the term (onset, grade, grade changes up to the cut-off): what the plan's treatment-emergence rule reads. Null in snapshots taken before they were kept.</param>
public sealed record AdverseEventSnapshot(string Term, int WorstGrade, bool Serious, DateOnly? LatestOnset = null, IReadOnlyList<AdverseEventEpisode>? Episodes = null);

/// <summary>One subject as the database knew it at a high-water mark and the clinic knew it at a cut-off date.</summary>
/// <param name="Baseline">Every item of the study's baseline forms, by "form.item": the candidate covariates of the analysis.</param>
/// <param name="UnmetCriteria">The eligibility criteria the enrolment recorded as not met as the protocol requires (null in snapshots taken before it was kept).</param>
/// <param name="UnverifiedForms">Forms entered but not verified by a monitor (a whole-form verification) at the lock.</param>
public sealed record SubjectSnapshot(
    string SubjectNumber, string SiteId, string Arm,
    string? Sex, int? Age, int? Ecog, IReadOnlyDictionary<string, JsonNode?> Baseline,
    DateOnly EnrolmentDate, DateOnly? FirstDoseDate, decimal? StartingDose, decimal? FinalDose, int CyclesCompleted, double? DoseIntensity,
    IReadOnlyList<DoseChangeSnapshot> DoseChanges, DateOnly? DiscontinuationDate, string? DiscontinuationReason,
    IReadOnlyList<VisitResponse> Responses, Response? BestOverallResponse, decimal? BestPercentChange,
    TimeToEventRecord? Pfs, TimeToEventRecord? Os, DateOnly? LastDoseDate,
    IReadOnlyList<AdverseEventSnapshot> AdverseEvents, int OpenQueries, SignatureState Signature,
    IReadOnlyList<string>? UnmetCriteria = null, int? UnverifiedForms = null);

/// <summary>The frozen cohort a lock (or an as-of request) analyses, with the definition version in force at the cut-off.</summary>
public sealed record CohortSnapshot(string StudyId, DateOnly Cutoff, long HighWaterMark, IReadOnlyList<Site> Sites, IReadOnlyList<SubjectSnapshot> Subjects,
    int DefinitionVersion, StudyDefinition Definition)
{
    private static readonly JsonSerializerOptions Json = CasebookJson.Options;

    /// <summary>Canonical JSON (sorted keys, no spacing): what the hash is taken over and what is stored.</summary>
    public string CanonicalJson()
    {
        var bytes = new ArrayBufferWriter<byte>();
        WriteCanonical(bytes);
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    /// <summary>The hash of the canonical JSON, hashed as it is written: none of the text is kept.</summary>
    public string CanonicalHash()
    {
        using var hashing = new HashingWriter();
        WriteCanonical(hashing);
        return hashing.Hex();
    }

    public static string Hash(string canonicalJson) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    internal static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static readonly string SubjectsProperty = Json.PropertyNamingPolicy?.ConvertName(nameof(Subjects)) ?? nameof(Subjects);

    private void WriteCanonical(IBufferWriter<byte> output) => WriteCanonical(output, Subjects.Select(SubjectCanonical));

    /// <summary>
    /// The text <see cref="EventSeal.Canonical"/> makes of the serialized snapshot, written subject by subject: the snapshot is
    /// never one serialized text parsed again, and each subject's bytes are handed on as soon as written. The subjects are
    /// <paramref name="subjects"/>' canonical JSON, in their order (this snapshot's own are left out).
    /// </summary>
    public void WriteCanonical(IBufferWriter<byte> output, IEnumerable<byte[]> subjects)
    {
        using var writer = new Utf8JsonWriter(output, EventSeal.CanonicalWriting);
        using var header = JsonSerializer.SerializeToDocument(this with { Subjects = [] }, Json);
        writer.WriteStartObject();
        foreach (var property in header.RootElement.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            writer.WritePropertyName(property.Name);
            if (property.Name != SubjectsProperty)
            {
                EventSeal.Write(writer, property.Value);
                continue;
            }
            writer.WriteStartArray();
            foreach (var subject in subjects)
            {
                writer.WriteRawValue(subject, skipInputValidation: true);
                writer.Flush();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    /// <summary>One subject's canonical JSON, as it stands in the snapshot's.</summary>
    public static byte[] SubjectCanonical(SubjectSnapshot subject)
    {
        using var document = JsonSerializer.SerializeToDocument(subject, Json);
        var bytes = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(bytes, EventSeal.CanonicalWriting)) EventSeal.Write(writer, document.RootElement);
        return bytes.WrittenSpan.ToArray();
    }


    public static CohortSnapshot? FromJson(string json) => JsonSerializer.Deserialize<CohortSnapshot>(json, Json);

    /// <summary>
    /// Whether a replay holds exactly what a snapshot stored by an earlier version of the product holds. A later version
    /// only adds fields (each new one nullable, so earlier snapshots still read): those the stored snapshot does not have
    /// are set aside, and every value it does have must replay identically, in the same order.
    /// </summary>
    public static bool ReplaysAsStored(string replayedCanonical, string storedCanonical) =>
        Keep(JsonNode.Parse(replayedCanonical), JsonNode.Parse(storedCanonical)) is var kept
        && EventSeal.Canonical(kept?.ToJsonString() ?? "null") == storedCanonical;

    /// <summary>The replayed value with only the object keys the stored one has, all the way down.</summary>
    private static JsonNode? Keep(JsonNode? replayed, JsonNode? stored) => (replayed, stored) switch
    {
        (JsonObject r, JsonObject s) => new JsonObject(s.Where(p => r.ContainsKey(p.Key)).Select(p => KeyValuePair.Create(p.Key, Keep(r[p.Key], p.Value)))),
        (JsonArray r, JsonArray s) when r.Count == s.Count => new JsonArray([.. r.Select((x, i) => Keep(x, s[i]))]),
        _ => replayed?.DeepClone(),
    };

    public static CohortSnapshot Build(Study study, IEnumerable<Casebook> casebooks, IEnumerable<DataQuery> queries, DateOnly cutoff, long highWaterMark)
    {
        var openQueries = queries.Where(q => q.IsOpen).GroupBy(q => q.SubjectNumber).ToDictionary(g => g.Key, g => g.Count());
        var version = study.VersionOn(cutoff);
        var subjects = casebooks
            .Where(c => c.StudyId == study.StudyId && c.Enrolled && c.Enrolment.EnrolmentDate <= cutoff)
            .OrderBy(c => c.SubjectNumber, StringComparer.Ordinal)
            .Select(c => Subject(c, version.Definition, cutoff, openQueries.GetValueOrDefault(c.SubjectNumber)))
            .ToList();
        return new CohortSnapshot(study.StudyId, cutoff, highWaterMark, study.Sites, subjects, version.Version, version.Definition);
    }

    /// <summary>Everything dated after the cut-off is invisible.</summary>
    public static SubjectSnapshot Subject(Casebook c, StudyDefinition definition, DateOnly cutoff, int openQueries)
    {
        var firstDose = c.FirstDose is { } fd && fd.Date <= cutoff ? fd : null;
        var cycles = c.Cycles.Where(x => x.StartDate <= cutoff).OrderBy(x => x.CycleNumber).ToList();
        var doseChanges = c.DoseChanges.Where(d => d.Date <= cutoff).OrderBy(d => d.Date).ToList();
        var visits = c.Baseline is not { } baseline ? [] : Recist.Evaluate(baseline, c.Assessments.Where(a => a.Date <= cutoff));
        var death = c.Death is { } dd && dd.Date <= cutoff ? dd.Date : (DateOnly?)null;
        var discontinued = c.Discontinuation is { } dc && dc.Date <= cutoff ? dc : null;
        var knownAlive = new[] { c.Enrolment.EnrolmentDate }
            .Concat(c.Contacts.Select(x => x.Date)).Concat(c.Assessments.Select(a => a.Date)).Concat(cycles.Select(x => x.StartDate))
            .Concat(c.LostToFollowUp is { } lost ? [lost.LastKnownAliveDate] : []);
        var adverseEvents = c.AdverseEvents.Where(a => a.Report.OnsetDate <= cutoff)
            .GroupBy(a => a.Report.Term)
            .Select(g => new AdverseEventSnapshot(g.Key,
                g.Max(a => a.GradeChanges.Where(x => x.Date <= cutoff).Select(x => x.Grade).Append(a.Report.Grade).Max()),
                g.Any(a => a.Report.Serious), g.Max(a => a.Report.OnsetDate),
                g.OrderBy(a => a.Report.OnsetDate).Select(a => new AdverseEventEpisode(a.Report.OnsetDate, a.Report.Grade,
                    a.GradeChanges.Where(x => x.Date <= cutoff).OrderBy(x => x.Date).Select(x => new GradeStep(x.Date, x.Grade)).ToList())).ToList()))
            .OrderBy(a => a.Term, StringComparer.Ordinal).ToList();
        var startingDose = firstDose?.Dose;
        // Dose intensity needs drug accountability: units taken x dose over the protocol's days on at the starting dose.
        double? intensity = cycles.Count == 0 || startingDose is null || cycles.Any(x => x.TabletsDispensed is null || x.TabletsReturned is null) ? null
            : cycles.Sum(x => (double)((x.TabletsDispensed!.Value - x.TabletsReturned!.Value) * x.Dose)) / (cycles.Count * (double)definition.Treatment.DaysOn * (double)startingDose.Value);

        return new SubjectSnapshot(
            c.SubjectNumber, c.SiteId, c.Enrolment.Arm,
            c.Demographics?.Sex, c.Demographics?.AgeAtEnrolment, c.Ecog?.Score, BaselineItems(c, definition),
            c.Enrolment.EnrolmentDate, firstDose?.Date, startingDose, doseChanges.LastOrDefault()?.ToDose ?? startingDose, cycles.Count,
            intensity is null ? null : Math.Round(intensity.Value, 4),
            doseChanges.Select(d => new DoseChangeSnapshot(d.Date, d.FromDose, d.ToDose, d.Reason,
                c.AdverseEvents.FirstOrDefault(a => a.Report.AdverseEventId == d.AdverseEventId)?.Report.Term)).ToList(),
            discontinued?.Date, discontinued?.Reason.ToString(),
            visits, firstDose is null || c.Baseline is null ? null : Recist.Best(firstDose.Date, visits, definition.Recist).Response,
            visits.Where(v => v.ChangeFromBaselinePercent is not null).Select(v => v.ChangeFromBaselinePercent).Min(),
            firstDose is null ? null : TimeToEvent.Pfs(firstDose.Date, visits, death, cutoff),
            firstDose is null ? null : TimeToEvent.Os(firstDose.Date, death, knownAlive, cutoff),
            cycles.Count == 0 ? firstDose?.Date : cycles[^1].StartDate.AddDays(definition.Treatment.DaysOn - 1),
            adverseEvents, openQueries, CasebookView.SignatureOf(c).State,
            definition.Criteria.Where(x => c.Enrolment.Eligibility.TryGetValue(x.Id, out var met) && met != (x.Kind == CriterionKinds.Inclusion)).Select(x => x.Id).ToList(),
            SourceDataVerification.ReadSdvProgress.Of(c).Unverified.Count);
    }

    /// <summary>The single-valued items of the study's baseline forms, keyed "form.item" (null where not entered).</summary>
    public static SortedDictionary<string, JsonNode?> BaselineItems(Casebook c, StudyDefinition definition)
    {
        var items = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var form in definition.StudyForms.Where(f => f.Baseline))
        {
            var value = c.Entry(new FormRef(form.Name))?.Value as JsonObject;
            foreach (var item in form.Groups.Where(g => !g.Repeating).SelectMany(g => g.Items))
                items[$"{form.Name}.{item.Name}"] = value?[item.Name]?.DeepClone();
        }
        return items;
    }
}
