using System.Text;
using System.Xml;
using JasperFx.Events;
using Marten;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.OdmImport;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.TamperEvidence;

namespace NpcEcrf.Api.Exports;

/// <summary>Transactional (every change with its audit record) or Snapshot (the current values) ODM file.</summary>
public enum OdmFileType { Transactional, Snapshot }

/// <summary>
/// A complete electronic copy of a study as CDISC ODM 1.3.2 (Part 11 11.10(b); docs/standards.md, "ODM export"). A
/// transactional file holds every casebook event as one transaction with its AuditRecord (user, site, UTC time, reason
/// for change), signatures bound to their SignatureDef, and every review step (source data verification, edit-check
/// flags, each data-query transition) as a Context transaction whose Annotation carries flags of the product's code
/// lists; a snapshot holds each subject's current values. Form instances sit in the study events the layout gives
/// them. A lock's file is the study as its high-water mark left it. The metadata is written by <see cref="DefinitionOdm"/>
/// as the definition export writes it.
/// </summary>
public static class OdmExport
{
    public const string Namespace = DefinitionOdm.Namespace;
    /// <summary>The user of events no person wrote (automatic steps).</summary>
    public const string SystemUser = "system";

    /// <param name="canSeeSite">The reader's sites: other sites' subjects, queries and locations are left out.</param>
    public static async Task<string> Write(IQuerySession session, string studyId, DateTimeOffset now, CancellationToken ct, Func<string, bool>? canSeeSite = null,
        OdmFileType type = OdmFileType.Transactional)
    {
        var study = await session.LoadAsync<Study>(Study.IdFor(studyId), ct) ?? throw new InvalidOperationException($"No study {studyId}");
        var chainHead = await GlobalChain.SettledHeadAsync(session, long.MaxValue, ct);
        var subjects = await Subjects(session, study.StudyId, long.MaxValue, canSeeSite ?? (_ => true), ct);
        return await Document(session, study, subjects, type, canSeeSite ?? (_ => true), ct,
            $"NpcEcrf event chain head {chainHead} (check with ./npc-ecrf verify --against {chainHead})",
            $"NPCECRF.{DefinitionOdm.Oid(studyId)}.{now.UtcDateTime:yyyyMMddHHmmss}", now, now);
    }

    /// <summary>
    /// A lock's file: the study as the events up to the lock's high-water mark left it, for the readers of a whole lock, and
    /// only while the lock's stored snapshot still has its hash (as the lock's SDTM and ADaM are cut).
    /// </summary>
    public static async Task<(string? Xml, Rejection? Problem)> WriteLock(IQuerySession session, DatabaseLock l, OdmFileType type, DateTimeOffset now, CancellationToken ct)
    {
        var (_, problem) = await ReadLocks.FrozenSnapshot(session, l, ct);
        if (problem is not null) return (null, problem);
        var studyEvents = await session.Events.FetchStreamAsync(Study.IdFor(l.StudyId), token: ct);
        if (studyEvents.LastOrDefault(e => e.Sequence <= l.HighWaterMark) is not { } last) return (null, Rejection.NotFound($"Study '{l.StudyId}' at lock '{l.Name}'"));
        var study = (await session.Events.AggregateStreamAsync<Study>(Study.IdFor(l.StudyId), version: last.Version, token: ct))!;
        var subjects = await Subjects(session, l.StudyId, l.HighWaterMark, _ => true, ct);
        var chainHead = await GlobalChain.SettledHeadAsync(session, l.HighWaterMark, ct);
        var description = $"NpcEcrf lock '{l.Name}' of study {l.StudyId}: snapshot SHA-256 {l.SnapshotHash}, high-water mark {l.HighWaterMark}, " +
            $"clinical cut-off {l.Cutoff:yyyy-MM-dd}, locked at {DefinitionOdm.Timestamp(l.LockedAt)}; event chain head {chainHead}";
        var fileOid = $"NPCECRF.{DefinitionOdm.Oid(l.StudyId)}.LOCK.{DefinitionOdm.Oid(l.Name)}.HWM.{l.HighWaterMark}.SHA256.{l.SnapshotHash}.{type.ToString().ToUpperInvariant()}";
        return (await Document(session, study, subjects, type, _ => true, ct, description, fileOid, now, l.LockedAt), null);
    }

    /// <summary>Every subject of the study the reader may see, with its casebook's and its queries' events up to <paramref name="upTo"/>.</summary>
    private static async Task<List<OdmSubject>> Subjects(IQuerySession session, string studyId, long upTo, Func<string, bool> canSeeSite, CancellationToken ct)
    {
        var casebooks = (await session.Query<Casebook>().Where(c => c.StudyId == studyId).ToListAsync(ct)).Where(c => canSeeSite(c.SiteId)).OrderBy(c => c.SubjectNumber, StringComparer.Ordinal);
        var queries = (await session.Query<DataQuery>().Where(q => q.StudyId == studyId).ToListAsync(ct)).Where(q => canSeeSite(q.SiteId)).ToList();
        // Every stream's events in one read, not a round trip per subject and per query.
        var ids = casebooks.Select(c => c.Id).Concat(queries.Select(q => q.Id)).ToArray();
        var byStream = (await session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(ids) && e.Sequence <= upTo)
            .OrderBy(e => e.Sequence).ToListAsync(ct)).ToLookup(e => e.StreamId);
        var subjects = new List<OdmSubject>();
        foreach (var c in casebooks)
        {
            var events = byStream[c.Id].ToList();
            if (events.Count == 0) continue;
            var streams = queries.Where(q => q.SubjectNumber == c.SubjectNumber).OrderBy(q => q.RaisedAt)
                .Select(q => (IReadOnlyList<IEvent>)byStream[q.Id].ToList()).Where(stream => stream.Count > 0).ToList();
            subjects.Add(new OdmSubject(c.SubjectNumber, c.SiteId, events, streams));
        }
        return subjects;
    }

    private static async Task<string> Document(IQuerySession session, Study study, IReadOnlyList<OdmSubject> subjects, OdmFileType type, Func<string, bool> canSeeSite,
        CancellationToken ct, string description, string fileOid, DateTimeOffset now, DateTimeOffset asOf)
    {
        var studyId = study.StudyId;
        var users = await session.Query<UserAccount>().ToListAsync(ct);
        // The metadata is the latest definition's (as of the file), through the one mapping of definitions to ODM (DefinitionOdm).
        var latest = study.Latest;
        var layout = DefinitionOdm.Layout(latest.Definition);
        var metaDataVersion = DefinitionOdm.MetaDataVersionOid(latest.Version);
        var clinical = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment };
        using (var w = XmlWriter.Create(clinical, settings))
            foreach (var subject in subjects)
                if (type == OdmFileType.Snapshot) OdmClinicalData.Snapshot(w, layout, subject);
                else OdmClinicalData.Transactional(w, layout, subject);

        using var doc = new MemoryStream();
        using (var w = XmlWriter.Create(doc, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            w.WriteStartElement("ODM", Namespace);
            // The chain head travels with the copy: an anchor outside the database (docs/security.md, "Tamper evidence").
            w.WriteAttributeString("Description", description);
            w.WriteAttributeString("FileType", type.ToString());
            w.WriteAttributeString("FileOID", fileOid);
            w.WriteAttributeString("CreationDateTime", DefinitionOdm.Timestamp(now));
            w.WriteAttributeString("AsOfDateTime", DefinitionOdm.Timestamp(asOf));
            w.WriteAttributeString("ODMVersion", "1.3.2");
            w.WriteAttributeString("Originator", "NpcEcrf");
            w.WriteAttributeString("SourceSystem", "NpcEcrf");
            // Written after the clinical data: values no definition declares have been given items by then.
            DefinitionOdm.Study(studyId, study.Title, latest.Version, layout).WriteTo(w);

            w.WriteStartElement("AdminData", Namespace);
            w.WriteAttributeString("StudyOID", studyId);
            var sites = study.Sites.Where(s => canSeeSite(s.SiteId)).ToList();
            // Least exposure: the accounts the file names (who wrote, reviewed or signed what it holds) and those assigned
            // to a site the reader sees; not every account of the installation.
            var events = subjects.SelectMany(s => s.Events.Concat(s.Queries.SelectMany(q => q))).ToList();
            var named = events.Select(e => e.UserName).Concat(events.Select(e => e.Data).OfType<CasebookSigned>().Select(s => s.Username))
                .OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var u in users.OrderBy(u => u.Username, StringComparer.Ordinal))
            {
                var at = sites.Where(s => SiteAssignments.Covers(u.Sites, studyId, s.SiteId)).ToList();
                if (at.Count > 0 || named.Contains(u.Username)) User(w, u.Username, u.PrintedName, at);
            }
            if (users.All(u => u.Username != SystemUser)) User(w, SystemUser, "NpcEcrf (automatic)", []);
            // The source system's users of imported events: named in the file as they were, with no account here.
            var data = events.Select(e => e.Data).ToList();
            foreach (var name in data.Select(ImportedAudit.Of).Select(a => a?.User).Concat(data.OfType<OdmSignatureImported>().Select(s => s.User))
                         .OfType<string>().Distinct().Where(n => n != SystemUser && users.All(u => u.Username != n)).Order(StringComparer.Ordinal))
                User(w, name, name, []);
            foreach (var site in sites)
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
            var meanings = data.OfType<CasebookSigned>().Select(s => (s.Meaning, LegalReason: "21 CFR Part 11 electronic signature, re-authenticated with the signer's password."))
                .Concat(data.OfType<OdmSignatureImported>().Select(s => (Meaning: s.Meaning ?? "", LegalReason: $"A signature of the source system, kept as imported from {s.Audit.SourceFile} (not signed again here).")))
                .DistinctBy(m => m.Meaning);
            foreach (var (meaning, legalReason) in meanings)
            {
                w.WriteStartElement("SignatureDef", Namespace);
                w.WriteAttributeString("OID", SignatureOid(meaning));
                w.WriteAttributeString("Methodology", "Electronic");
                w.WriteElementString("Meaning", Namespace, meaning);
                w.WriteElementString("LegalReason", Namespace, legalReason);
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

    /// <summary>A User: login, display and full name, and the sites of this study the account is tied to.</summary>
    private static void User(XmlWriter w, string username, string printedName, IEnumerable<Site> sites)
    {
        w.WriteStartElement("User", Namespace);
        w.WriteAttributeString("OID", UserOid(username));
        w.WriteElementString("LoginName", Namespace, username);
        w.WriteElementString("DisplayName", Namespace, printedName);
        w.WriteElementString("FullName", Namespace, printedName);
        foreach (var site in sites) OdmClinicalData.Ref(w, "LocationRef", "LocationOID", site.SiteId);
        w.WriteEndElement();
    }

    public static string UserOid(string username) => $"U.{username}";
    public static string SignatureOid(string meaning) => $"SD.{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(meaning)))[..12]}";

    /// <summary>The file type a request names: transactional (the default) or snapshot; anything else a 400 naming "type".</summary>
    public static (OdmFileType Type, Rejection? Problem) ParseType(string? type) => type?.ToLowerInvariant() switch
    {
        null or "transactional" => (OdmFileType.Transactional, null),
        "snapshot" => (OdmFileType.Snapshot, null),
        _ => (OdmFileType.Transactional, Rejection.Invalid("type", "An ODM file is transactional or snapshot.")),
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/studies/{studyId}/export/odm", async (string studyId, string? type, HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            {
                var (fileType, bad) = ParseType(type);
                if (bad is not null) return bad.ToHttp();
                return await session.LoadAsync<Study>(Study.IdFor(studyId), ct) is null
                    ? Problems.NotFound($"Study '{studyId}'")
                    : Results.Text(await Write(session, studyId, clock.GetUtcNow(), ct, site => Actor.From(http.User).CanSeeSite(studyId, site), fileType), "application/xml");
            })
            .RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.DataManager, Roles.Admin))
            .WithTags("Export");
        // A lock's file is whole-study: for its readers only, as the lock's SDTM and ADaM (Standards/ExportDatasets).
        app.MapGet("/locks/{lockRef}/export/odm", async (string lockRef, string? type, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            {
                var (fileType, bad) = ParseType(type);
                if (bad is not null) return bad.ToHttp();
                if (await ReadLocks.Find(session, lockRef, ct) is not { } l) return Problems.NotFound($"Lock '{lockRef}'");
                var (xml, problem) = await WriteLock(session, l, fileType, clock.GetUtcNow(), ct);
                return problem?.ToHttp() ?? Results.Text(xml!, "application/xml");
            })
            .RequireAuthorization(p => p.RequireRole(ReadLocks.StudyWideReaders))
            .WithTags("Export");
    }
}
