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
/// query element).
/// </summary>
public static class OdmExport
{
    public const string Namespace = "http://www.cdisc.org/ns/odm/v1.3";
    private const string Casebook = "SE.CASEBOOK";

    private sealed record Item(string FormOid, string GroupOid, string ItemOid, string Name, string DataType);

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

        var chainHead = await GlobalChain.SettledHeadAsync(session, long.MaxValue, ct);
        var items = new SortedDictionary<string, Item>(StringComparer.Ordinal);
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
                    var t = Transaction(e, before);
                    before = CasebookEvolution.Evolve(before, e.StreamId, e.Data, new EventMeta(e.Version, e.UserName, e.Timestamp));
                    if (t is null) continue;
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
                        w.WriteElementString("DateTimeStamp", Namespace, signed.SignedAtUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
                        w.WriteEndElement();
                    }
                    Ref(w, "SiteRef", "LocationOID", casebook.SiteId);
                    if (t.Annotation is { } note) Annotation(w, 1, note);
                    if (t.Form is { } form)
                    {
                        w.WriteStartElement("StudyEventData", Namespace);
                        w.WriteAttributeString("StudyEventOID", Casebook);
                        w.WriteStartElement("FormData", Namespace);
                        var (formName, repeatKey) = Split(form);
                        w.WriteAttributeString("FormOID", FormOid(formName));
                        w.WriteAttributeString("FormRepeatKey", repeatKey);
                        w.WriteAttributeString("TransactionType", t.Update ? "Update" : "Insert");
                        Audit(w, e, casebook.SiteId);
                        w.WriteStartElement("ItemGroupData", Namespace);
                        w.WriteAttributeString("ItemGroupOID", $"IG.{Oid(formName)}");
                        foreach (var (path, value) in t.Values)
                        {
                            var item = new Item(FormOid(formName), $"IG.{Oid(formName)}", $"I.{Oid(formName)}.{Oid(path)}", path, DataType(formName, path));
                            items.TryAdd(item.ItemOid, item);
                            w.WriteStartElement("ItemData", Namespace);
                            w.WriteAttributeString("ItemOID", item.ItemOid);
                            w.WriteAttributeString("TransactionType", t.Update ? "Update" : "Insert");
                            w.WriteAttributeString("Value", value);
                            w.WriteEndElement();
                        }
                        w.WriteEndElement();
                        w.WriteEndElement();
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
            w.WriteAttributeString("FileOID", $"NPCECRF.{Oid(studyId)}.{now.UtcDateTime:yyyyMMddHHmmss}");
            w.WriteAttributeString("CreationDateTime", now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            w.WriteAttributeString("ODMVersion", "1.3.2");
            w.WriteAttributeString("Originator", "NpcEcrf");
            w.WriteStartElement("Study", Namespace);
            w.WriteAttributeString("OID", studyId);
            w.WriteStartElement("GlobalVariables", Namespace);
            w.WriteElementString("StudyName", Namespace, study.StudyId);
            w.WriteElementString("StudyDescription", Namespace, study.Title);
            w.WriteElementString("ProtocolName", Namespace, study.StudyId);
            w.WriteEndElement();
            w.WriteStartElement("MetaDataVersion", Namespace);
            w.WriteAttributeString("OID", "MDV.1");
            w.WriteAttributeString("Name", "NpcEcrf casebook");
            w.WriteStartElement("Protocol", Namespace);
            w.WriteStartElement("StudyEventRef", Namespace);
            w.WriteAttributeString("StudyEventOID", Casebook);
            w.WriteAttributeString("OrderNumber", "1");
            w.WriteAttributeString("Mandatory", "Yes");
            w.WriteEndElement();
            w.WriteEndElement();
            var forms = items.Values.Select(i => i.FormOid).Distinct().Order(StringComparer.Ordinal).ToList();
            w.WriteStartElement("StudyEventDef", Namespace);
            w.WriteAttributeString("OID", Casebook);
            w.WriteAttributeString("Name", "Casebook");
            w.WriteAttributeString("Repeating", "No");
            w.WriteAttributeString("Type", "Common");
            foreach (var f in forms) { w.WriteStartElement("FormRef", Namespace); w.WriteAttributeString("FormOID", f); w.WriteAttributeString("Mandatory", "No"); w.WriteEndElement(); }
            w.WriteEndElement();
            foreach (var f in forms)
            {
                w.WriteStartElement("FormDef", Namespace);
                w.WriteAttributeString("OID", f);
                w.WriteAttributeString("Name", FormCatalogue.All.FirstOrDefault(d => FormOid(d.Name) == f)?.Title ?? f[2..].ToLowerInvariant());
                w.WriteAttributeString("Repeating", "Yes");
                w.WriteStartElement("ItemGroupRef", Namespace);
                w.WriteAttributeString("ItemGroupOID", "IG." + f[2..]);
                w.WriteAttributeString("Mandatory", "Yes");
                w.WriteEndElement();
                w.WriteEndElement();
            }
            foreach (var group in items.Values.GroupBy(i => i.GroupOid).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.WriteStartElement("ItemGroupDef", Namespace);
                w.WriteAttributeString("OID", group.Key);
                w.WriteAttributeString("Name", group.Key[3..].ToLowerInvariant());
                w.WriteAttributeString("Repeating", "No");
                foreach (var i in group) { w.WriteStartElement("ItemRef", Namespace); w.WriteAttributeString("ItemOID", i.ItemOid); w.WriteAttributeString("Mandatory", "No"); w.WriteEndElement(); }
                w.WriteEndElement();
            }
            foreach (var i in items.Values)
            {
                w.WriteStartElement("ItemDef", Namespace);
                w.WriteAttributeString("OID", i.ItemOid);
                w.WriteAttributeString("Name", i.Name);
                w.WriteAttributeString("DataType", i.DataType);
                w.WriteEndElement();
            }
            w.WriteEndElement(); // MetaDataVersion
            w.WriteEndElement(); // Study

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
                w.WriteAttributeString("MetaDataVersionOID", "MDV.1");
                w.WriteAttributeString("EffectiveDate", "2000-01-01");
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
            w.WriteAttributeString("MetaDataVersionOID", "MDV.1");
            w.WriteRaw(clinical.ToString());
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return Encoding.UTF8.GetString(doc.ToArray());
    }

    private sealed record Txn(string? Form, bool Update, IReadOnlyList<(string Path, string Value)> Values, string? Annotation);

    /// <summary>Which form an event fills (with its values), or the annotation it becomes; null for events ODM does not carry.</summary>
    private static Txn? Transaction(IEvent e, Casebooks.Casebook? before)
    {
        switch (e.Data)
        {
            case DataPointCorrected c:
                return new Txn(c.Form, true, [(c.Field, Unquote(c.NewValue))], null);
            case CasebookSigned:
                return new Txn(null, false, [], null);
            case EditCheckFlagged f:
                return new Txn(null, false, [], $"Edit check {f.CheckId} on {f.Form}.{f.Field}: {f.Message}");
            case EditCheckCleared f:
                return new Txn(null, false, [], $"Edit check {f.CheckId} on {f.Form}.{f.Field} cleared.");
            case SourceDataVerified v:
                return new Txn(null, false, [], $"Source data verified: {v.Form}{(v.Field is null ? "" : "." + v.Field)} by {e.UserName}.");
            case SourceDataVerificationRevoked r:
                return new Txn(null, false, [], $"Verification of {r.Form}{(r.Field is null ? "" : "." + r.Field)} revoked: changed at version {r.ChangedAtVersion}.");
        }
        if (FormCatalogue.ForEvent(e.Data.GetType()) is not var (definition, binding) || before is null && e.Data is not Enrolment.SubjectEnrolled) return null;
        var form = definition.Ref(binding.Key(e.Data, before ?? new Casebooks.Casebook())).ToString();
        var values = Flatten(JsonSerializer.SerializeToNode(e.Data, e.Data.GetType(), CasebookJson.Options), "").ToList();
        return new Txn(form, before?.Entry(FormRef.Parse(form)) is not null, values, null);
    }

    private static IEnumerable<(string, string)> Flatten(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Flatten(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((x, i) => Flatten(x, $"{path}[{i}]")),
        null => [(path, "")],
        _ => [(path, Unquote(node.ToJsonString()))],
    };

    private static string Unquote(string json) => JsonNode.Parse(json) is JsonValue v && v.TryGetValue<string>(out var s) ? s : json;

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

    /// <summary>The ODM data type the form declares for an item (text for values the form does not declare, such as an event's own fields).</summary>
    private static string DataType(string formName, string path) =>
        FormCatalogue.Find(formName) is { } form && FormValues.Declared(form, form.CanonicalField(path)) is { } field
            ? field.Type switch { ItemType.Integer => "integer", ItemType.Float => "float", ItemType.Date => "date", ItemType.Boolean => "boolean", _ => "text" }
            : "text";

    private static (string Form, string RepeatKey) Split(string form) => form.IndexOf('/') is var i and > 0 ? (form[..i], form[(i + 1)..]) : (form, "1");
    private static string FormOid(string form) => $"F.{Oid(form)}";
    private static string UserOid(string username) => $"U.{username}";
    private static string SignatureOid(string meaning) => $"SD.{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(meaning)))[..12]}";
    private static string Oid(string s) => new(s.ToUpperInvariant().Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_').ToArray());

    public static void Map(IEndpointRouteBuilder app) => app
        .MapGet("/studies/{studyId}/export/odm", async (string studyId, HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is null
                ? Problems.NotFound($"Study '{studyId}'")
                : Results.Text(await Write(session, studyId, clock.GetUtcNow(), ct, site => Actor.From(http.User).CanSeeSite(studyId, site)), "application/xml"))
        .RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.DataManager, Roles.Admin))
        .WithTags("Export");
}
