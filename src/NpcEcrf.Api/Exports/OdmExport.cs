using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using JasperFx.Events;
using Marten;
using NpcEcrf.Api.Corrections;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.SourceDataVerification;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Exports;

/// <summary>
/// A complete electronic copy of a study as CDISC ODM 1.3.2 (Part 11 11.10(b)): every casebook event is one ODM
/// transaction with its AuditRecord (user, site, UTC time, reason for change, the event it came from); signatures
/// are Signatures bound to their SignatureDef; data queries, flags and SDV travel as Annotations (ODM 1.3.2 has no
/// query element). A transaction carries the values the event set in a form instance (all of a new one; the changed
/// ones of a correction or a grade change), built-in and study forms alike; the metadata is the latest definition's,
/// written by <see cref="DefinitionOdm"/> as the definition export writes it.
/// </summary>
public static class OdmExport
{
    public const string Namespace = DefinitionOdm.Namespace;

    /// <param name="canSeeSite">The reader's sites: other sites' subjects, queries and locations are left out.</param>
    public static async Task<string> Write(IQuerySession session, string studyId, DateTimeOffset now, CancellationToken ct, Func<string, bool>? canSeeSite = null)
    {
        canSeeSite ??= _ => true;
        var study = await session.LoadAsync<Study>(Study.IdFor(studyId), ct) ?? throw new InvalidOperationException($"No study {studyId}");
        var casebooks = (await session.Query<Casebooks.Casebook>().Where(c => c.StudyId == study.StudyId).ToListAsync(ct)).Where(c => canSeeSite(c.SiteId)).ToList();
        var users = await session.Query<UserAccount>().ToListAsync(ct);
        var queries = (await session.Query<DataQuery>().Where(q => q.StudyId == study.StudyId).ToListAsync(ct)).Where(q => canSeeSite(q.SiteId)).ToList();
        var streams = new List<(Casebooks.Casebook Casebook, IReadOnlyList<IEvent> Events)>();
        foreach (var c in casebooks.OrderBy(c => c.SubjectNumber, StringComparer.Ordinal))
            streams.Add((c, await session.Events.FetchStreamAsync(c.Id, token: ct)));

        // The metadata is the latest definition's, through the one mapping of definitions to ODM (DefinitionOdm).
        var latest = study.Latest;
        var layout = DefinitionOdm.Layout(latest.Definition);
        var metaDataVersion = DefinitionOdm.MetaDataVersionOid(latest.Version);
        var chainHead = await GlobalChain.SettledHeadAsync(session, long.MaxValue, ct);
        var clinical = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment };
        using (var w = XmlWriter.Create(clinical, settings))
        {
            foreach (var (casebook, events) in streams)
            {
                var first = true;
                Casebooks.Casebook? before = null;
                foreach (var e in events)
                {
                    var previous = before?.Forms.ToList() ?? [];
                    var note = Annotation(e);
                    before = CasebookEvolution.Evolve(before, e.StreamId, e.Data, new EventMeta(e.Version, e.UserName, e.Timestamp));
                    // The form instances this event set: entries and corrections alike, built-in and study forms alike.
                    var changed = before?.Forms.Where(f => f.Version == e.Version).ToList() ?? [];
                    if (note is null && changed.Count == 0 && e.Data is not CasebookSigned) continue;
                    w.WriteStartElement("SubjectData", Namespace);
                    w.WriteAttributeString("SubjectKey", casebook.SubjectNumber);
                    w.WriteAttributeString("TransactionType", first ? "Insert" : "Update");
                    first = false;
                    if (e.Data is CasebookSigned signed)
                    {
                        w.WriteStartElement("Signature", Namespace);
                        Ref(w, "UserRef", "UserOID", UserOid(signed.Username));
                        Ref(w, "LocationRef", "LocationOID", casebook.SiteId);
                        Ref(w, "SignatureRef", "SignatureOID", SignatureOid(signed.Meaning));
                        w.WriteElementString("DateTimeStamp", Namespace, DefinitionOdm.Timestamp(signed.SignedAtUtc));
                        w.WriteEndElement();
                    }
                    Ref(w, "SiteRef", "LocationOID", casebook.SiteId);
                    if (note is not null) Annotation(w, 1, note);
                    if (changed.Count > 0)
                    {
                        w.WriteStartElement("StudyEventData", Namespace);
                        w.WriteAttributeString("StudyEventOID", DefinitionOdm.CasebookEvent);
                        foreach (var entry in changed)
                            FormData(w, layout, e, casebook.SiteId, entry, previous.FirstOrDefault(p => p.Form == entry.Form));
                        w.WriteEndElement();
                    }
                    w.WriteEndElement();
                }
                var seq = 1;
                var open = queries.Where(q => q.SubjectNumber == casebook.SubjectNumber).OrderBy(q => q.RaisedAt).ToList();
                if (open.Count == 0) continue;
                w.WriteStartElement("SubjectData", Namespace);
                w.WriteAttributeString("SubjectKey", casebook.SubjectNumber);
                w.WriteAttributeString("TransactionType", "Context");
                Ref(w, "SiteRef", "LocationOID", casebook.SiteId);
                foreach (var q in open)
                    Annotation(w, seq++, $"Data query {q.Id} on {q.Form}.{q.Field} ({q.Origin}): {q.State}. " +
                        string.Join(" | ", q.Messages.Select(m => $"{m.At.UtcDateTime:O} {m.User} {m.Kind}: {m.Text}")));
                w.WriteEndElement();
            }
        }

        using var doc = new MemoryStream();
        using (var w = XmlWriter.Create(doc, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            w.WriteStartElement("ODM", Namespace);
            // The chain head travels with the copy: an anchor outside the database (docs/security.md, "Tamper evidence").
            w.WriteAttributeString("Description", $"NpcEcrf event chain head {chainHead} (check with ./npc-ecrf verify --against {chainHead})");
            w.WriteAttributeString("FileType", "Transactional");
            w.WriteAttributeString("FileOID", $"NPCECRF.{DefinitionOdm.Oid(studyId)}.{now.UtcDateTime:yyyyMMddHHmmss}");
            w.WriteAttributeString("CreationDateTime", DefinitionOdm.Timestamp(now));
            w.WriteAttributeString("ODMVersion", "1.3.2");
            w.WriteAttributeString("Originator", "NpcEcrf");
            // Written after the clinical data: values no definition declares have been given items by then.
            DefinitionOdm.Study(studyId, study.Title, latest.Version, layout).WriteTo(w);

            w.WriteStartElement("AdminData", Namespace);
            w.WriteAttributeString("StudyOID", studyId);
            foreach (var u in users.OrderBy(u => u.Username, StringComparer.Ordinal).Select(u => (Oid: UserOid(u.Username), u.Username, u.PrintedName))
                         .Append((Oid: UserOid("system"), Username: "system", PrintedName: "NpcEcrf (automatic)")))
            {
                w.WriteStartElement("User", Namespace);
                w.WriteAttributeString("OID", u.Oid);
                w.WriteElementString("LoginName", Namespace, u.Username);
                w.WriteElementString("DisplayName", Namespace, u.PrintedName);
                w.WriteEndElement();
            }
            foreach (var site in study.Sites.Where(s => canSeeSite(s.SiteId)))
            {
                w.WriteStartElement("Location", Namespace);
                w.WriteAttributeString("OID", site.SiteId);
                w.WriteAttributeString("Name", site.Name);
                w.WriteAttributeString("LocationType", "Site");
                w.WriteStartElement("MetaDataVersionRef", Namespace);
                w.WriteAttributeString("StudyOID", studyId);
                w.WriteAttributeString("MetaDataVersionOID", metaDataVersion);
                w.WriteAttributeString("EffectiveDate", latest.EffectiveFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteEndElement();
                w.WriteEndElement();
            }
            foreach (var meaning in streams.SelectMany(s => s.Events).Select(e => e.Data).OfType<CasebookSigned>().Select(s => s.Meaning).Distinct())
            {
                w.WriteStartElement("SignatureDef", Namespace);
                w.WriteAttributeString("OID", SignatureOid(meaning));
                w.WriteAttributeString("Methodology", "Electronic");
                w.WriteElementString("Meaning", Namespace, meaning);
                w.WriteElementString("LegalReason", Namespace, "21 CFR Part 11 electronic signature, re-authenticated with the signer's password.");
                w.WriteEndElement();
            }
            w.WriteEndElement(); // AdminData

            w.WriteStartElement("ClinicalData", Namespace);
            w.WriteAttributeString("StudyOID", studyId);
            w.WriteAttributeString("MetaDataVersionOID", metaDataVersion);
            w.WriteRaw(clinical.ToString());
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return Encoding.UTF8.GetString(doc.ToArray());
    }

    /// <summary>
    /// One form instance the event set: every value of a new instance, or the values an event changed in an existing
    /// one (a correction, a grade change), each in its item group (list rows and keyed entries by repeat key).
    /// </summary>
    private static void FormData(XmlWriter w, OdmLayout layout, IEvent e, string siteId, FormEntry entry, FormEntry? previous)
    {
        var update = previous is not null;
        var was = previous is null ? null : Values(previous.Value).ToDictionary(v => v.Path, v => v.Value);
        var values = Values(entry.Value).Where(v => was is null || !was.TryGetValue(v.Path, out var old) || old != v.Value)
            .Select(v => (v.Value, Place: layout.Place(entry.Form.Name, v.Path))).ToList();
        w.WriteStartElement("FormData", Namespace);
        w.WriteAttributeString("FormOID", layout.Form(entry.Form.Name).Oid);
        w.WriteAttributeString("FormRepeatKey", entry.Form.Key ?? "1");
        w.WriteAttributeString("TransactionType", update ? "Update" : "Insert");
        Audit(w, e, siteId);
        foreach (var group in values.GroupBy(v => (v.Place.Group.Oid, v.Place.RepeatKey)))
        {
            w.WriteStartElement("ItemGroupData", Namespace);
            w.WriteAttributeString("ItemGroupOID", group.Key.Oid);
            if (group.Key.RepeatKey is { } key) w.WriteAttributeString("ItemGroupRepeatKey", key);
            foreach (var (value, place) in group)
            {
                w.WriteStartElement("ItemData", Namespace);
                w.WriteAttributeString("ItemOID", place.Item.Oid);
                w.WriteAttributeString("TransactionType", update ? "Update" : "Insert");
                if (value is null) w.WriteAttributeString("IsNull", "Yes");
                else w.WriteAttributeString("Value", value);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>What a review event becomes in ODM (which has no query element): an annotation; null for data and signatures.</summary>
    private static string? Annotation(IEvent e) => e.Data switch
    {
        EditCheckFlagged f => $"Edit check {f.CheckId} on {f.Form}.{f.Field}: {f.Message}",
        EditCheckCleared f => $"Edit check {f.CheckId} on {f.Form}.{f.Field} cleared.",
        SourceDataVerified v => $"Source data verified: {v.Form}{(v.Field is null ? "" : "." + v.Field)} by {e.UserName}.",
        SourceDataVerificationRevoked r => $"Verification of {r.Form}{(r.Field is null ? "" : "." + r.Field)} revoked: changed at version {r.ChangedAtVersion}.",
        _ => null,
    };

    /// <summary>Every value of a form instance by its concrete path ("results[0].hb"), null where nothing was entered.</summary>
    private static IEnumerable<(string Path, string? Value)> Values(object value) => Flatten(FormValues.Json(value), "");

    private static IEnumerable<(string, string?)> Flatten(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Flatten(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((x, i) => Flatten(x, $"{path}[{i}]")),
        null => [(path, null)],
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [(path, v.GetValue<string>())],
        _ => [(path, node.ToJsonString())],
    };

    private static void Audit(XmlWriter w, IEvent e, string siteId)
    {
        w.WriteStartElement("AuditRecord", Namespace);
        Ref(w, "UserRef", "UserOID", UserOid(e.UserName ?? "system"));
        Ref(w, "LocationRef", "LocationOID", siteId);
        w.WriteElementString("DateTimeStamp", Namespace, e.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"));
        if (e.GetHeader(CommandPipeline.ReasonHeader)?.ToString() is { Length: > 0 } reason) w.WriteElementString("ReasonForChange", Namespace, reason);
        w.WriteElementString("SourceID", Namespace, $"mt_events stream {e.StreamId} version {e.Version} ({EventTypes.Alias(e.Data.GetType())}); correlation {e.CorrelationId}");
        w.WriteEndElement();
    }

    private static void Annotation(XmlWriter w, int seq, string text)
    {
        w.WriteStartElement("Annotation", Namespace);
        w.WriteAttributeString("SeqNum", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteStartElement("Comment", Namespace);
        w.WriteAttributeString("SponsorOrSite", "Sponsor");
        w.WriteString(text);
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Ref(XmlWriter w, string element, string attribute, string value)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteAttributeString(attribute, value);
        w.WriteEndElement();
    }

    private static string UserOid(string username) => $"U.{username}";
    private static string SignatureOid(string meaning) => $"SD.{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(meaning)))[..12]}";

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/export/odm", async (string studyId, HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is null
                ? Problems.NotFound($"Study '{studyId}'")
                : Results.Text(await Write(session, studyId, clock.GetUtcNow(), ct, site => Actor.From(http.User).CanSeeSite(studyId, site)), "application/xml"))
        .RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.DataManager, Roles.Admin))
        .WithTags("Export");
}
