using NpcEcrf.Api.AdverseEvents;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Survival;
using NpcEcrf.Api.TumourAssessments;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Locks;

public sealed record DoseChangeSnapshot(DateOnly Date, int FromMg, int ToMg, string Reason, string? AdverseEventTerm);
public sealed record AdverseEventSnapshot(string Term, int WorstGrade, bool Serious);

/// <summary>One subject as the database knew it at a high-water mark and the clinic knew it at a cut-off date.</summary>
public sealed record SubjectSnapshot(
    string SubjectNumber, string SiteId,
    string? Sex, int? Age, int? Ecog, string? DiseasePattern, bool? LiverMetastases, bool? PlatinumRefractory, int? PriorSystemicLines, bool? PriorRadiotherapy,
    DateOnly EnrolmentDate, DateOnly? FirstDoseDate, int? StartingDoseMg, int? FinalDoseMg, int CyclesCompleted, double? DoseIntensity,
    IReadOnlyList<DoseChangeSnapshot> DoseChanges, DateOnly? DiscontinuationDate, string? DiscontinuationReason,
    IReadOnlyList<VisitResponse> Responses, Response? BestOverallResponse, decimal? BestPercentChange,
    TimeToEventRecord? Pfs, TimeToEventRecord? Os, DateOnly? LastDoseDate,
    IReadOnlyList<AdverseEventSnapshot> AdverseEvents, int OpenQueries, SignatureState Signature);

/// <summary>The frozen cohort a lock (or an as-of request) analyses.</summary>
public sealed record CohortSnapshot(string StudyId, DateOnly Cutoff, long HighWaterMark, IReadOnlyList<Site> Sites, IReadOnlyList<SubjectSnapshot> Subjects)
{
    private static readonly JsonSerializerOptions Json = CasebookJson.Options;

    /// <summary>Canonical JSON (sorted keys, no spacing): what the hash is taken over and what is stored.</summary>
    public string CanonicalJson() => EventSeal.Canonical(JsonSerializer.Serialize(this, Json));

    public static string Hash(string canonicalJson) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson))).ToLowerInvariant();

    public static CohortSnapshot? FromJson(string json) => JsonSerializer.Deserialize<CohortSnapshot>(json, Json);

    public static CohortSnapshot Build(Study study, IEnumerable<Casebook> casebooks, IEnumerable<DataQuery> queries, DateOnly cutoff, long highWaterMark)
    {
        var openQueries = queries.Where(q => q.IsOpen).GroupBy(q => q.SubjectNumber).ToDictionary(g => g.Key, g => g.Count());
        var subjects = casebooks
            .Where(c => c.StudyId == study.StudyId && c.Enrolment.EnrolmentDate <= cutoff)
            .OrderBy(c => c.SubjectNumber, StringComparer.Ordinal)
            .Select(c => Subject(c, cutoff, openQueries.GetValueOrDefault(c.SubjectNumber)))
            .ToList();
        return new CohortSnapshot(study.StudyId, cutoff, highWaterMark, study.Sites, subjects);
    }

    /// <summary>Everything dated after the cut-off is invisible.</summary>
    public static SubjectSnapshot Subject(Casebook c, DateOnly cutoff, int openQueries)
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
                g.Any(a => a.Report.Serious)))
            .OrderBy(a => a.Term, StringComparer.Ordinal).ToList();
        var startingDose = firstDose?.DoseMg;
        double? intensity = cycles.Count == 0 || startingDose is null ? null
            : cycles.Sum(x => (double)(x.TabletsDispensed - x.TabletsReturned) * x.DoseMg) / (cycles.Count * 14.0 * startingDose.Value);

        return new SubjectSnapshot(
            c.SubjectNumber, c.SiteId,
            c.Demographics?.Sex.ToString(), c.Demographics?.AgeAtEnrolment, c.Ecog?.Score, c.DiseaseStatus?.Pattern.ToString(),
            c.MetastaticSites?.Liver, c.PriorTherapy?.PlatinumRefractory, c.PriorTherapy?.PriorSystemicLines, c.PriorTherapy?.PriorRadiotherapy,
            c.Enrolment.EnrolmentDate, firstDose?.Date, startingDose, doseChanges.LastOrDefault()?.ToMg ?? startingDose, cycles.Count,
            intensity is null ? null : Math.Round(intensity.Value, 4),
            doseChanges.Select(d => new DoseChangeSnapshot(d.Date, d.FromMg, d.ToMg, d.Reason,
                c.AdverseEvents.FirstOrDefault(a => a.Report.AdverseEventId == d.AdverseEventId)?.Report.Term)).ToList(),
            discontinued?.Date, discontinued?.Reason.ToString(),
            visits, firstDose is null || c.Baseline is null ? null : Recist.Best(firstDose.Date, visits).Response,
            visits.Where(v => v.ChangeFromBaselinePercent is not null).Select(v => v.ChangeFromBaselinePercent).Min(),
            firstDose is null ? null : TimeToEvent.Pfs(firstDose.Date, visits, death, cutoff),
            firstDose is null ? null : TimeToEvent.Os(firstDose.Date, death, knownAlive, cutoff),
            cycles.Count == 0 ? firstDose?.Date : cycles[^1].StartDate.AddDays(13),
            adverseEvents, openQueries, CasebookView.SignatureOf(c).State);
    }
}
