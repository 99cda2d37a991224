using JasperFx.Events;
using Marten.Events.Aggregation;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;

namespace NpcEcrf.Api.Casebooks;

/// <summary>Who and when of an event, as far as the casebook needs them.</summary>
public readonly record struct EventMeta(long Version, string? User, DateTimeOffset Timestamp)
{
    public DateTimeOffset Timestamp { get; } = AsStored(Timestamp);

    /// <summary>PostgreSQL keeps microseconds: what Marten stores at append and what is replayed later agree to the tick.</summary>
    public static DateTimeOffset AsStored(DateTimeOffset timestamp) => new(timestamp.Ticks - timestamp.Ticks % 10, timestamp.Offset);
}

/// <summary>
/// The one way a casebook changes: Marten's inline projection, the pipeline's look at the casebook after a change,
/// lock replay and time travel all call <see cref="Evolve"/>.
/// </summary>
public static class CasebookEvolution
{
    public static Casebook? Evolve(Casebook? casebook, Guid streamId, object data, EventMeta meta)
    {
        if (casebook is null)
        {
            casebook = data switch
            {
                SubjectEnrolled enrolled => new Casebook { Id = streamId, StudyId = enrolled.StudyId, SiteId = enrolled.SiteId, SubjectNumber = enrolled.SubjectNumber },
                OdmImport.SubjectImported imported => new Casebook { Id = streamId, StudyId = imported.StudyId, SiteId = imported.SiteId, SubjectNumber = imported.SubjectNumber },
                _ => null,
            };
            if (casebook is null) return null;
        }
        casebook.Version = meta.Version;
        switch (data)
        {
            case EditCheckFlagged flagged:
                casebook.Flags.Add(flagged);
                break;
            case EditCheckCleared cleared:
                casebook.Flags.RemoveAll(f => f.CheckId == cleared.CheckId && f.Form == cleared.Form && f.Field == cleared.Field);
                break;
            case SourceDataVerified verified:
                casebook.Verifications.Add(new Verification(verified.Form, verified.Field, meta.Version, meta.User, null));
                break;
            case SourceDataVerificationRevoked revoked:
                var index = casebook.Verifications.FindIndex(v => v.Active && v.Form == revoked.Form && v.Field == revoked.Field);
                if (index >= 0) casebook.Verifications[index] = casebook.Verifications[index] with { RevokedAtVersion = revoked.ChangedAtVersion };
                break;
            case CasebookSigned signed:
                casebook.Signatures.Add(signed);
                break;
            case DataPointCorrected corrected:
                var form = FormRef.Parse(corrected.Form);
                if (casebook.Entry(form) is { } entry) Set(casebook, form, FormValues.Replace(entry.Value, corrected.Field, corrected.NewValue), meta);
                casebook.Corrections.Add(new CorrectionEntry(corrected.Form, corrected.Field, corrected.OldValue, corrected.NewValue, corrected.Reason,
                    meta.Version, meta.User, meta.Timestamp));
                break;
            case ScheduleTracking.ExpectedFormMissed missed:
                // Recorded again: the latest reason stands (the history keeps every one).
                casebook.MissedForms.RemoveAll(m => m.Is(missed.Visit, missed.Occurrence, missed.Form));
                casebook.MissedForms.Add(new ScheduleTracking.MissedForm(missed.Visit, missed.Occurrence, missed.Form, missed.Reason, meta.Version, meta.User, meta.Timestamp));
                casebook.LastDataVersion = meta.Version;
                break;
            case OdmImport.OdmFormImported imported:
                // The source system's who and when, not the importer's: they entered the value.
                var source = new EventMeta(meta.Version, imported.Audit.User ?? meta.User, imported.Audit.At ?? meta.Timestamp);
                var instance = new FormRef(imported.Form, imported.Key);
                if (imported.Value is { } value) Set(casebook, instance, OdmImport.ImportedForms.Value(imported.Form, value), source);
                else
                {
                    casebook.Forms.RemoveAll(f => f.Form == instance);
                    casebook.LastDataVersion = meta.Version;
                }
                break;
            case OdmImport.OdmSignatureImported signature:
                casebook.ImportedSignatures.Add(signature);
                break;
            case OdmImport.OdmAnnotationImported annotation:
                casebook.Annotations.Add(annotation);
                break;
            case StudyForms.StudyFormEntered entered:
                Set(casebook, new FormRef(entered.Form, entered.Key), entered.Data.DeepClone(), meta);
                break;
            default:
                if (FormCatalogue.ForEvent(data.GetType()) is var (definition, binding))
                {
                    var target = definition.Ref(binding.Key(data, casebook));
                    Set(casebook, target, binding.Apply(casebook.Entry(target)?.Value, data), meta);
                }
                break;
        }
        return casebook;
    }

    /// <summary>Whether an event starts a casebook: an enrolment here, or a subject imported from an ODM file.</summary>
    public static bool StartsCasebook(object data) => Opening(data) is not null;

    /// <summary>The study and site of a subject stream, from its first event (an enrolment, or an imported subject); null for any other stream.</summary>
    public static (string StudyId, string SiteId)? Opening(object data) => data switch
    {
        SubjectEnrolled e => (e.StudyId, e.SiteId),
        OdmImport.SubjectImported i => (i.StudyId, i.SiteId),
        _ => null,
    };

    /// <summary>The casebook as it would be after events not yet stored (the before is left untouched).</summary>
    public static Casebook After(Casebook? before, Guid streamId, IEnumerable<object> events, string? user, DateTimeOffset now)
    {
        var casebook = before?.Clone();
        var version = before?.Version ?? 0;
        foreach (var data in events) casebook = Evolve(casebook, streamId, data, new EventMeta(++version, user, now));
        return casebook ?? throw new InvalidOperationException("A casebook starts with its enrolment.");
    }

    /// <summary>Rebuilds a casebook from its stored events, in version order.</summary>
    public static Casebook? Build(IEnumerable<IEvent> events) =>
        events.Aggregate((Casebook?)null, (casebook, e) => Evolve(casebook, e.StreamId, e.Data, new EventMeta(e.Version, e.UserName, e.Timestamp)));

    private static void Set(Casebook casebook, FormRef form, object value, EventMeta meta)
    {
        var index = casebook.Forms.FindIndex(f => f.Form == form);
        var authors = index >= 0 ? casebook.Forms[index].EnteredBy : [];
        var enteredAt = index >= 0 ? casebook.Forms[index].EnteredAt : meta.Timestamp;
        var entry = new FormEntry(form, value, meta.Version, meta.User is null || authors.Contains(meta.User) ? authors : [.. authors, meta.User], enteredAt);
        if (index >= 0) casebook.Forms[index] = entry;
        else casebook.Forms.Add(entry);
        casebook.LastDataVersion = meta.Version;
        if (form.Name == EnrolmentForm.FormName) casebook.IdentityVersion = meta.Version;
    }
}

/// <summary>Marten's inline snapshot of the casebook, through the one evolve function.</summary>
public sealed class CasebookProjection : SingleStreamProjection<Casebook, Guid>
{
    public override Casebook? Evolve(Casebook? snapshot, Guid id, IEvent e) =>
        CasebookEvolution.Evolve(snapshot, id, e.Data, new EventMeta(e.Version, e.UserName, e.Timestamp));
}
