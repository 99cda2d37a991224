using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using JasperFx.Events;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Exports;

/// <summary>One subject as an export reads it: its casebook's events and its data queries' streams, each up to the export's high-water mark.</summary>
public sealed record OdmSubject(string SubjectNumber, string SiteId, IReadOnlyList<IEvent> Events, IReadOnlyList<IReadOnlyList<IEvent>> Queries);

/// <summary>
/// The ClinicalData of an ODM file (docs/standards.md, "ODM export"). Every form instance sits in the study event
/// <see cref="OdmLayout.EventOf"/> gives it; its FormRepeatKey is the casebook's form key ("1" for a form entered once),
/// so FormOID and FormRepeatKey give back the form instance.
/// </summary>
public static class OdmClinicalData
{
    private const string Ns = DefinitionOdm.Namespace;

    /// <summary>
    /// Every data event, signature and review step of a subject as its own transaction, in the order they were stored:
    /// data as Insert (the first) or Update; review steps and query transitions as Context transactions that carry an
    /// AuditRecord and an annotated field.
    /// </summary>
    public static void Transactional(XmlWriter w, OdmLayout layout, OdmSubject subject)
    {
        var timeline = subject.Events.Select(e => (Event: e, Query: (DataQueryRaised?)null))
            .Concat(subject.Queries.SelectMany(q => q.Select(e => (Event: e, Query: (DataQueryRaised?)q[0].Data))))
            .OrderBy(x => x.Event.Sequence);
        var first = true;
        Casebook? before = null;
        foreach (var (e, query) in timeline)
        {
            if (query is not null)
            {
                if (OdmReview.Of(e, query) is { } queryStep) Review(w, layout, subject, e, queryStep);
                continue;
            }
            var previous = before?.Forms.ToList() ?? [];
            before = CasebookEvolution.Evolve(before, e.StreamId, e.Data, new EventMeta(e.Version, e.UserName, e.Timestamp));
            if (OdmReview.Of(e) is { } step)
            {
                Review(w, layout, subject, e, step);
                continue;
            }
            // The form instances this event set: entries and corrections alike, built-in and study forms alike.
            var changed = before?.Forms.Where(f => f.Version == e.Version).ToList() ?? [];
            // An imported removal of a form instance (FormData TransactionType="Remove") goes back out as one.
            var removed = e.Data is OdmFormImported { Value: null } removal && previous.FirstOrDefault(p => p.Form == new FormRef(removal.Form, removal.Key)) is { } gone ? gone : null;
            var signature = SignatureOf(e.Data, subject.SiteId);
            if (changed.Count == 0 && removed is null && signature is null) continue;
            w.WriteStartElement("SubjectData", Ns);
            w.WriteAttributeString("SubjectKey", subject.SubjectNumber);
            w.WriteAttributeString("TransactionType", first ? "Insert" : "Update");
            first = false;
            if (signature is not null) Signature(w, signature);
            Ref(w, "SiteRef", "LocationOID", subject.SiteId);
            var audit = OdmAudit.Of(e, subject.SiteId);
            foreach (var inEvent in changed.Append(removed).OfType<FormEntry>().GroupBy(entry => layout.EventOf(entry.Form)))
            {
                StudyEvent(w, inEvent.Key, "Upsert");
                foreach (var entry in inEvent)
                {
                    var was = previous.FirstOrDefault(p => p.Form == entry.Form);
                    var transaction = entry == removed ? "Remove" : was is null ? "Insert" : "Update";
                    FormStart(w, layout, entry.Form, transaction);
                    Audit(w, audit);
                    if (entry != removed) Items(w, layout, entry, was, transaction);
                    w.WriteEndElement();
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
    }

    /// <summary>A signature an event records: one of ours (Part 11), or one the import kept from the source system.</summary>
    private static OdmSignature? SignatureOf(object data, string siteId) => data switch
    {
        CasebookSigned s => new(s.Username, s.Meaning, s.SignedAtUtc, siteId),
        OdmSignatureImported s => new(s.User ?? OdmExport.SystemUser, s.Meaning ?? "", s.SignedAt ?? DateTimeOffset.MinValue, s.Location ?? siteId),
        _ => null,
    };

    /// <summary>The last signature of a casebook, ours or imported: ODM gives a snapshot's subject one.</summary>
    private static OdmSignature? LatestSignature(Casebook casebook) =>
        casebook.Signatures.Select(s => SignatureOf(s, casebook.SiteId)).Concat(casebook.ImportedSignatures.Select(s => SignatureOf(s, casebook.SiteId)))
            .OfType<OdmSignature>().MaxBy(s => s.At);

    /// <summary>A subject as it stands: every form instance's current values in its study event, and the latest signature (ODM gives a subject one).</summary>
    public static void Snapshot(XmlWriter w, OdmLayout layout, OdmSubject subject)
    {
        if (CasebookEvolution.Build(subject.Events) is not { } casebook) return;
        w.WriteStartElement("SubjectData", Ns);
        w.WriteAttributeString("SubjectKey", subject.SubjectNumber);
        if (LatestSignature(casebook) is { } signed) Signature(w, signed);
        Ref(w, "SiteRef", "LocationOID", subject.SiteId);
        foreach (var inEvent in casebook.Forms.GroupBy(entry => layout.EventOf(entry.Form)))
        {
            StudyEvent(w, inEvent.Key, null);
            foreach (var entry in inEvent)
            {
                FormStart(w, layout, entry.Form, null);
                Items(w, layout, entry, null, null);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>
    /// A review step as its own Context transaction: SubjectData > SiteRef > StudyEventData > FormData (AuditRecord:
    /// who, where, when, why) > ItemGroupData > ItemData (the field, no value) > Annotation; on the FormData when no field is named.
    /// </summary>
    private static void Review(XmlWriter w, OdmLayout layout, OdmSubject subject, IEvent e, OdmReviewStep step)
    {
        w.WriteStartElement("SubjectData", Ns);
        w.WriteAttributeString("SubjectKey", subject.SubjectNumber);
        w.WriteAttributeString("TransactionType", "Context");
        var audit = OdmAudit.Of(e, subject.SiteId, step.Reason);
        if (step.Form is not { } form)
        {
            // On the subject itself (an imported subject-level annotation): the subject's own audit record says who and when.
            Audit(w, audit);
            Ref(w, "SiteRef", "LocationOID", subject.SiteId);
            Annotation(w, step);
            w.WriteEndElement();
            return;
        }
        Ref(w, "SiteRef", "LocationOID", subject.SiteId);
        StudyEvent(w, layout.EventOf(form), "Context");
        FormStart(w, layout, form, "Context");
        Audit(w, audit);
        if (step.Field is null) Annotation(w, step);
        else
        {
            var place = layout.Place(form.Name, step.Field);
            w.WriteStartElement("ItemGroupData", Ns);
            w.WriteAttributeString("ItemGroupOID", place.Group.Oid);
            if (place.RepeatKey is { } key) w.WriteAttributeString("ItemGroupRepeatKey", key);
            w.WriteAttributeString("TransactionType", "Context");
            w.WriteStartElement("ItemData", Ns);
            w.WriteAttributeString("ItemOID", place.Item.Oid);
            w.WriteAttributeString("TransactionType", "Context");
            Annotation(w, step);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement(); // FormData
        w.WriteEndElement(); // StudyEventData
        w.WriteEndElement(); // SubjectData
    }

    private static void Annotation(XmlWriter w, OdmReviewStep step)
    {
        w.WriteStartElement("Annotation", Ns);
        w.WriteAttributeString("SeqNum", "1");
        if (step.Id is { } id) w.WriteAttributeString("ID", id);
        if (step.Text is { Length: > 0 } text)
        {
            w.WriteStartElement("Comment", Ns);
            w.WriteAttributeString("SponsorOrSite", step.SponsorOrSite);
            w.WriteString(text);
            w.WriteEndElement();
        }
        foreach (var flag in step.Flags)
        {
            w.WriteStartElement("Flag", Ns);
            w.WriteStartElement("FlagValue", Ns);
            w.WriteAttributeString("CodeListOID", DefinitionOdm.FlagValueList);
            w.WriteString(flag.Value);
            w.WriteEndElement();
            if (flag.Type is { } type)
            {
                w.WriteStartElement("FlagType", Ns);
                w.WriteAttributeString("CodeListOID", DefinitionOdm.FlagTypeList);
                w.WriteString(type);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void StudyEvent(XmlWriter w, (OdmEvent Event, string? RepeatKey) placed, string? transaction)
    {
        w.WriteStartElement("StudyEventData", Ns);
        w.WriteAttributeString("StudyEventOID", placed.Event.Oid);
        if (placed.RepeatKey is { } key) w.WriteAttributeString("StudyEventRepeatKey", key);
        if (transaction is not null) w.WriteAttributeString("TransactionType", transaction);
    }

    private static void FormStart(XmlWriter w, OdmLayout layout, FormRef form, string? transaction)
    {
        w.WriteStartElement("FormData", Ns);
        w.WriteAttributeString("FormOID", layout.Form(form.Name).Oid);
        w.WriteAttributeString("FormRepeatKey", form.Key ?? "1");
        if (transaction is not null) w.WriteAttributeString("TransactionType", transaction);
    }

    /// <summary>
    /// The values of a form instance, each in its item group (list rows and keyed entries by repeat key): all of a new
    /// instance (nothing for an empty value), or those an event changed in an existing one (an emptied value is IsNull).
    /// </summary>
    private static void Items(XmlWriter w, OdmLayout layout, FormEntry entry, FormEntry? previous, string? transaction)
    {
        var update = previous is not null;
        var was = previous is null ? null : Values(previous.Value).ToDictionary(v => v.Path, v => v.Value);
        var values = Values(entry.Value).Where(v => layout.Collected(entry.Form.Name, v.Path))
            .Where(v => was is null ? v.Value is not null : !was.TryGetValue(v.Path, out var old) ? v.Value is not null : old != v.Value)
            .Select(v => (v.Value, Place: layout.Place(entry.Form.Name, v.Path))).ToList();
        foreach (var group in values.GroupBy(v => (v.Place.Group.Oid, v.Place.RepeatKey)))
        {
            w.WriteStartElement("ItemGroupData", Ns);
            w.WriteAttributeString("ItemGroupOID", group.Key.Oid);
            if (group.Key.RepeatKey is { } key) w.WriteAttributeString("ItemGroupRepeatKey", key);
            if (transaction is not null) w.WriteAttributeString("TransactionType", update ? "Upsert" : "Insert");
            foreach (var (value, place) in group)
            {
                w.WriteStartElement("ItemData", Ns);
                w.WriteAttributeString("ItemOID", place.Item.Oid);
                if (transaction is not null) w.WriteAttributeString("TransactionType", transaction);
                if (value is null) w.WriteAttributeString("IsNull", "Yes");
                else w.WriteAttributeString("Value", value);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
    }

    /// <summary>Every value of a form instance by its concrete path ("results[0].hb"); null (also for "") where nothing was entered.</summary>
    private static IEnumerable<(string Path, string? Value)> Values(object value) => Flatten(FormValues.Json(value), "");

    private static IEnumerable<(string, string?)> Flatten(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Flatten(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((x, i) => Flatten(x, $"{path}[{i}]")),
        null => [(path, null)],
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [(path, v.GetValue<string>() is { Length: > 0 } text ? text : null)],
        _ => [(path, node.ToJsonString())],
    };

    private static void Signature(XmlWriter w, OdmSignature signed)
    {
        w.WriteStartElement("Signature", Ns);
        Ref(w, "UserRef", "UserOID", OdmExport.UserOid(signed.User));
        Ref(w, "LocationRef", "LocationOID", signed.Location);
        Ref(w, "SignatureRef", "SignatureOID", OdmExport.SignatureOid(signed.Meaning));
        w.WriteElementString("DateTimeStamp", Ns, Stamp(signed.At));
        w.WriteEndElement();
    }

    /// <summary>Who, where, when and why; a SourceID only for an imported event (its file and line), never a table or stream of ours.</summary>
    private static void Audit(XmlWriter w, OdmAudit audit)
    {
        w.WriteStartElement("AuditRecord", Ns);
        Ref(w, "UserRef", "UserOID", OdmExport.UserOid(audit.User));
        Ref(w, "LocationRef", "LocationOID", audit.Location);
        w.WriteElementString("DateTimeStamp", Ns, Stamp(audit.At));
        if (audit.Reason is { Length: > 0 } why) w.WriteElementString("ReasonForChange", Ns, why);
        if (audit.SourceId is { } source) w.WriteElementString("SourceID", Ns, source);
        w.WriteEndElement();
    }

    // To the microsecond, as PostgreSQL keeps it: an imported time goes back out exactly as it came in.
    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture);

    internal static void Ref(XmlWriter w, string element, string attribute, string value)
    {
        w.WriteStartElement(element, Ns);
        w.WriteAttributeString(attribute, value);
        w.WriteEndElement();
    }
}

/// <summary>A signature as ODM writes it: who, what it means, when, where.</summary>
internal sealed record OdmSignature(string User, string Meaning, DateTimeOffset At, string Location);

/// <summary>
/// Who, where, when and why of one transaction. An imported event's are the source system's (kept apart from ours
/// when it was imported), with the file it came from as the SourceID.
/// </summary>
internal sealed record OdmAudit(string User, string Location, DateTimeOffset At, string? Reason, string? SourceId)
{
    public static OdmAudit Of(IEvent e, string siteId, string? reason = null) => ImportedAudit.Of(e.Data) is { } a
        ? new(a.User ?? e.UserName ?? OdmExport.SystemUser, a.Location ?? siteId, a.At ?? e.Timestamp, a.Reason ?? reason,
            $"{a.SourceFile} (SHA-256 {a.FileSha256}), line {a.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)}")
        : new(e.UserName ?? OdmExport.SystemUser, siteId, e.Timestamp, reason ?? (e.GetHeader(CommandPipeline.ReasonHeader)?.ToString() is { Length: > 0 } why ? why : null), null);
}
