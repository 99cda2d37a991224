using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.OdmImport;

/// <summary>Something of the file read leniently, or left out: the line and what happened.</summary>
public sealed record OdmDeviation(int Line, string Message);

/// <summary>One subject as the file gives it: its site and its events, in the file's order (the first starts its casebook).</summary>
public sealed record ImportedSubject(string SubjectNumber, string SiteId, IReadOnlyList<object> Events);

/// <summary>Everything an import writes, decided before anything is written.</summary>
public sealed record OdmImportPlan(string StudyId, string Title, StudyDefinition Definition, DateOnly EffectiveFrom, IReadOnlyList<Site> Sites,
    IReadOnlyList<ImportedSubject> Subjects, IReadOnlyList<OdmDeviation> Deviations, string FileName, string FileSha256);

/// <summary>
/// The pure mapping of an ODM 1.3.2 file onto a new study: the definition through <see cref="DefinitionOdm.Import"/>,
/// sites from AdminData Locations, and each subject's history as events (forms, signatures, annotations), each
/// with the source system's audit record. Read by element name and leniently; every deviation is reported with its line,
/// and whatever cannot be mapped unambiguously is reported and left out.
/// </summary>
public static partial class OdmImportPlanner
{
    private static readonly XNamespace Odm = DefinitionOdm.Namespace;

    public static (OdmImportPlan? Plan, Rejection? Refused) Plan(OdmFile file, string? studyId, StudyDefinition? baseDefinition, DateOnly today)
    {
        var root = file.Document.Root!;
        var (imported, refused) = DefinitionOdm.Import(file.Document, baseDefinition);
        if (refused is not null) return (null, Rejection.Invalid(refused.Field, refused.Message));
        var id = studyId ?? imported!.StudyId;
        if (string.IsNullOrWhiteSpace(id)) return (null, Rejection.Invalid("studyId", "The file names no study (Study OID): say which study to create (studyId)."));
        var title = imported!.Title ?? id;
        if (new CreateStudy.Validator().Validate(new CreateStudy(id, title, imported.Definition)) is { IsValid: false } invalid)
            return (null, Rejection.Invalid(invalid.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray()),
                studyId is null ? $"The study id the file names ({id}) cannot be used: give one (studyId)." : "The study id is not valid."));
        var reader = new Reader(file, id, imported.Definition);
        // The definition import names elements by OID; a deviation names the line. Its note that it reads only the
        // metadata is not this import's: the reader below reads the rest and says what it leaves out.
        foreach (var finding in imported.Unmapped.Where(f => !f.Message.StartsWith("Only the study's metadata is imported", StringComparison.Ordinal)))
            reader.Deviate(reader.LineOf(finding.Element), $"{finding.Element}: {finding.Message}");
        reader.Read(root);
        var earliest = reader.Subjects.SelectMany(s => s.Events).Select(ImportedAudit.Of).Select(a => a?.At).OfType<DateTimeOffset>().DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        // The definition was in force in the source system when its data were entered: from the earliest audit date.
        var effective = earliest == DateTimeOffset.MaxValue ? today : DateOnly.FromDateTime(earliest.UtcDateTime) is var d && d < today ? d : today;
        return (new OdmImportPlan(id, title, imported.Definition, effective, reader.Sites, reader.Subjects, reader.Deviations, file.Name, file.Sha256), null);
    }

    /// <summary>The value path of an item in a form instance: its path pattern with the group's repeat key ("targets[].organ" + 2 = "targets[1].organ").</summary>
    public static string? Concrete(string pattern, string? repeatKey)
    {
        var segments = pattern.Split('.');
        var list = Array.FindIndex(segments, s => s == "*" || s.EndsWith("[]", StringComparison.Ordinal));
        if (list < 0) return pattern;
        if (string.IsNullOrEmpty(repeatKey)) return null;
        if (segments[list] == "*") segments[list] = repeatKey;
        else if (int.TryParse(repeatKey, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1) segments[list] = $"{segments[list][..^2]}[{n - 1}]";
        else return null;
        return string.Join('.', segments);
    }

    /// <summary>An ODM value as JSON of the item's data type (integer and float are numbers, boolean a bool, anything else text); null if it does not fit.</summary>
    public static JsonNode? Typed(ItemType type, string raw, out bool fits)
    {
        fits = true;
        switch (type)
        {
            case ItemType.Integer when long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole):
                return JsonValue.Create(whole);
            case ItemType.Float when decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number):
                return JsonValue.Create(number);
            case ItemType.Boolean when raw.Trim().ToLowerInvariant() is "true" or "1" or "yes":
                return JsonValue.Create(true);
            case ItemType.Boolean when raw.Trim().ToLowerInvariant() is "false" or "0" or "no":
                return JsonValue.Create(false);
            case ItemType.Integer or ItemType.Float or ItemType.Boolean:
                fits = false;
                return null;
            default:
                return JsonValue.Create(raw);
        }
    }

    /// <summary>Sets a value at a concrete path ("results[1].hb", "eligibility.I1"), making the objects and list rows on the way.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value)
    {
        JsonObject current = root;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var last = i == parts.Length - 1;
            if (ListSegment().Match(parts[i]) is { Success: true } m)
            {
                var name = m.Groups[1].Value;
                var index = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                if (current[name] is not JsonArray rows) current[name] = rows = [];
                while (rows.Count <= index) rows.Add(last ? null : new JsonObject());
                if (last) rows[index] = value;
                else current = rows[index] as JsonObject ?? (JsonObject)(rows[index] = new JsonObject())!;
            }
            else if (last) current[parts[i]] = value;
            else current = current[parts[i]] as JsonObject ?? (JsonObject)(current[parts[i]] = new JsonObject())!;
        }
    }

    /// <summary>Removes the value at a concrete path (an item's TransactionType Remove).</summary>
    public static void Remove(JsonObject root, string path)
    {
        var slash = path.LastIndexOf('.');
        var parent = slash < 0 ? root : Find(root, path[..slash]) as JsonObject;
        var name = slash < 0 ? path : path[(slash + 1)..];
        if (ListSegment().Match(name) is { Success: true } m)
        {
            if (parent?[m.Groups[1].Value] is JsonArray rows && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) is var i && i < rows.Count) rows[i] = null;
        }
        else parent?.Remove(name);
    }

    private static JsonNode? Find(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (var part in path.Split('.'))
            current = ListSegment().Match(part) is { Success: true } m
                ? current?[m.Groups[1].Value] is JsonArray rows && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) is var i && i < rows.Count ? rows[i] : null
                : current is JsonObject o ? o[part] : null;
        return current;
    }

    [GeneratedRegex(@"^(.+)\[(\d+)\]$")]
    private static partial Regex ListSegment();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex SubjectNumber();

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex NotSiteChar();

    /// <summary>Walks the file once; holds what it found so far.</summary>
    private sealed class Reader
    {
        private readonly OdmFile _file;
        private readonly string _studyId;
        private readonly StudyDefinition _definition;
        private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _meanings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, OdmForm> _forms = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Form, string Item), OdmItem> _items = new();
        private readonly Dictionary<string, Site> _sites = new(StringComparer.Ordinal);
        // A subject number names one casebook whatever its case (Casebook.IdFor): two spellings are one subject.
        private readonly Dictionary<string, Subject> _subjects = new(StableIds.Comparer);

        public List<OdmDeviation> Deviations { get; } = [];
        public IReadOnlyList<Site> Sites => _sites.Values.ToList();
        public IReadOnlyList<ImportedSubject> Subjects => _subjects.Values.Select(s => new ImportedSubject(s.Number, s.SiteId, s.Events)).ToList();

        private sealed class Subject(string number, string siteId)
        {
            public string Number => number;
            public string SiteId => siteId;
            public List<object> Events { get; } = [];
            public Dictionary<FormRef, JsonObject> Forms { get; } = [];
        }

        public Reader(OdmFile file, string studyId, StudyDefinition definition)
        {
            _file = file;
            _studyId = studyId;
            _definition = definition;
        }

        public void Deviate(int line, string message) => Deviations.Add(new OdmDeviation(line, message));

        private void Deviate(XObject at, string message) => Deviate(OdmFileReader.Line(at), message);

        /// <summary>The line of the element a definition finding names ("ItemDef I.X", "CodeList CL.Y", or a bare element name), else 0.</summary>
        public int LineOf(string described)
        {
            var space = described.IndexOf(' ');
            var key = space < 0 ? (described, "") : (described[..space], described[(space + 1)..].Split(' ')[0]);
            return Lines.TryGetValue(key, out var line) ? line : 0;
        }

        /// <summary>Each element's first line, by (name, OID) and by bare name (""), read once: findings are many, the file is large.</summary>
        private Dictionary<(string Kind, string Oid), int> Lines => _lines ??= IndexLines();
        private Dictionary<(string Kind, string Oid), int>? _lines;

        private Dictionary<(string Kind, string Oid), int> IndexLines()
        {
            var lines = new Dictionary<(string, string), int>();
            foreach (var element in _file.Document.Root!.Descendants())
            {
                var line = OdmFileReader.Line(element);
                lines.TryAdd((element.Name.LocalName, ""), line);
                foreach (var oid in element.Attributes().Where(a => a.Name.LocalName.EndsWith("OID", StringComparison.Ordinal)))
                    lines.TryAdd((element.Name.LocalName, oid.Value), line);
            }
            return lines;
        }

        public void Read(XElement root)
        {
            var study = root.Elements(Odm + "Study").First();
            var studyOid = study.Attribute("OID")?.Value;
            ReadLayout(study);
            foreach (var admin in root.Elements(Odm + "AdminData"))
            {
                foreach (var user in admin.Elements(Odm + "User"))
                    if (user.Attribute("OID")?.Value is { } oid) _users[oid] = NonEmpty(user.Element(Odm + "LoginName")?.Value) ?? oid;
                foreach (var location in admin.Elements(Odm + "Location")) AddSite(location.Attribute("OID")?.Value, location.Attribute("Name")?.Value, location);
                foreach (var def in admin.Elements(Odm + "SignatureDef"))
                    if (def.Attribute("OID")?.Value is { } oid) _meanings[oid] = NonEmpty(def.Element(Odm + "Meaning")?.Value) ?? oid;
            }
            foreach (var other in root.Elements().Where(e => e.Name.LocalName is not ("Study" or "AdminData" or "ClinicalData")))
                Deviate(other, $"<{other.Name.LocalName}> is not imported.");
            foreach (var clinical in root.Elements(Odm + "ClinicalData"))
            {
                if (clinical.Attribute("StudyOID")?.Value is { } oid && oid != studyOid)
                {
                    Deviate(clinical, $"ClinicalData of study {oid}, not of the file's study {studyOid}: not imported.");
                    continue;
                }
                foreach (var subject in clinical.Elements(Odm + "SubjectData")) ReadSubject(subject);
                foreach (var other in clinical.Elements().Where(e => e.Name != Odm + "SubjectData"))
                    Deviate(other, $"<{other.Name.LocalName}> in ClinicalData is not imported.");
            }
        }

        /// <summary>Each FormDef of the file to its form in the definition, and each of its ItemDefs to the form's item (path and type).</summary>
        private void ReadLayout(XElement study)
        {
            var layout = DefinitionOdm.Layout(_definition);
            var mdv = study.Elements(Odm + "MetaDataVersion").LastOrDefault();
            if (mdv is null) return;
            var groups = mdv.Elements(Odm + "ItemGroupDef").Where(g => g.Attribute("OID") is not null).GroupBy(g => g.Attribute("OID")!.Value).ToDictionary(g => g.Key, g => g.First());
            var itemDefs = mdv.Elements(Odm + "ItemDef").Where(g => g.Attribute("OID") is not null).GroupBy(g => g.Attribute("OID")!.Value).ToDictionary(g => g.Key, g => g.First());
            foreach (var formDef in mdv.Elements(Odm + "FormDef"))
            {
                if (formDef.Attribute("OID")?.Value is not { } formOid) continue;
                var builtIn = formDef.Elements(Odm + "Alias").FirstOrDefault(a => a.Attribute("Context")?.Value == DefinitionOdm.Vendor + "builtIn")?.Attribute("Name")?.Value;
                if (layout.Forms.FirstOrDefault(f => f.Name == (builtIn ?? DefinitionOdm.FormName(formOid))) is not { } form) continue;
                _forms[formOid] = form;
                var items = form.Groups.SelectMany(g => g.Items).ToList();
                foreach (var groupRef in formDef.Elements(Odm + "ItemGroupRef"))
                {
                    if (groupRef.Attribute("ItemGroupOID")?.Value is not { } groupOid || !groups.TryGetValue(groupOid, out var group)) continue;
                    var groupName = DefinitionOdm.Name(group.Attribute("Name")?.Value ?? "");
                    foreach (var itemRef in group.Elements(Odm + "ItemRef"))
                    {
                        if (itemRef.Attribute("ItemOID")?.Value is not { } itemOid || !itemDefs.TryGetValue(itemOid, out var itemDef)) continue;
                        var name = itemDef.Attribute("Name")?.Value ?? "";
                        // Our own files keep our OIDs; another EDC's items are the study form's by group and item name.
                        var item = items.FirstOrDefault(i => i.Oid == itemOid)
                            ?? form.Groups.FirstOrDefault(g => g.Name == groupName)?.Items.FirstOrDefault(i => i.Name == DefinitionOdm.Name(name))
                            ?? items.FirstOrDefault(i => i.Path == name);
                        if (item is not null) _items.TryAdd((formOid, itemOid), item);
                    }
                }
            }
        }

        private Site? AddSite(string? oid, string? name, XElement at)
        {
            if (string.IsNullOrWhiteSpace(oid)) { Deviate(at, "A Location without OID is not imported."); return null; }
            if (_sites.TryGetValue(oid, out var known)) return known;
            // Site ids are letters, digits, '-' and '_' (AddSite's rule): another EDC's "LOC.001" is the site LOC_001.
            var id = NotSiteChar().Replace(oid.Trim(), "_");
            id = id[..Math.Min(64, id.Length)];
            if (id != oid) Deviate(at, $"Location {oid} is the site '{id}' (a site id has letters, digits, '-' and '_' only).");
            if (_sites.Values.Any(s => StableIds.Same(s.SiteId, id)))
            {
                Deviate(at, $"Location {oid} would be the site '{id}', which another location already is: its subjects are not imported.");
                return null;
            }
            var site = new Site(id, NonEmpty(name) ?? oid);
            _sites[oid] = site;
            return site;
        }

        private void ReadSubject(XElement subjectData)
        {
            var key = subjectData.Attribute("SubjectKey")?.Value;
            if (key is null || !SubjectNumber().IsMatch(key))
            {
                Deviate(subjectData, $"SubjectKey '{key}' is not a subject number (1-40 letters, digits, '-' or '_'): the subject's data are not imported.");
                return;
            }
            if (subjectData.Attribute("TransactionType")?.Value == "Remove")
            {
                // A casebook's history is not removed here; the subject's forms can be removed one by one.
                Deviate(subjectData, $"SubjectData {key} with TransactionType Remove: removing a whole subject is not imported.");
                return;
            }
            var siteRef = subjectData.Element(Odm + "SiteRef")?.Attribute("LocationOID")?.Value;
            if (!_subjects.TryGetValue(key, out var subject))
            {
                Site? site;
                if (siteRef is not null) site = _sites.TryGetValue(siteRef, out var s) ? s : AddSiteNamedOnlyByReference(siteRef, subjectData);
                else if (_sites.Count == 1) site = _sites.Values.Single();
                else
                {
                    Deviate(subjectData, $"Subject {key} has no SiteRef and the file has {_sites.Count} locations: which site it belongs to is ambiguous; not imported.");
                    return;
                }
                if (site is null) return;
                subject = new Subject(key, site.SiteId);
                _subjects[key] = subject;
                var first = subjectData.Element(Odm + "AuditRecord") ?? subjectData.Descendants(Odm + "AuditRecord").FirstOrDefault();
                subject.Events.Add(new SubjectImported(_studyId, site.SiteId, key, Audit(first, subjectData, site.SiteId)));
            }
            else if (subject.Number != key)
                Deviate(subjectData, $"SubjectKey '{key}' is subject {subject.Number} spelled in another case: read as {subject.Number}.");
            if (siteRef is not null && _sites.TryGetValue(siteRef, out var other) && other.SiteId != subject.SiteId)
                Deviate(subjectData, $"Subject {key} is at site {subject.SiteId}; this SubjectData names {other.SiteId}: a move between sites is not imported (the data are).");

            var subjectAudit = subjectData.Element(Odm + "AuditRecord");
            var context = subjectData.Attribute("TransactionType")?.Value == "Context";
            foreach (var signature in subjectData.Elements(Odm + "Signature")) subject.Events.Add(Signature(signature, subject.SiteId));
            foreach (var annotation in subjectData.Elements(Odm + "Annotation"))
                subject.Events.Add(Annotation(annotation, null, null, null, Audit(subjectAudit, annotation, subject.SiteId)));
            foreach (var eventData in subjectData.Elements(Odm + "StudyEventData"))
            {
                // StudyEventData only groups forms: its OID does not place them.
                var eventAudit = eventData.Element(Odm + "AuditRecord") ?? subjectAudit;
                foreach (var signature in eventData.Elements(Odm + "Signature")) subject.Events.Add(Signature(signature, subject.SiteId));
                foreach (var annotation in eventData.Elements(Odm + "Annotation"))
                    subject.Events.Add(Annotation(annotation, null, null, null, Audit(eventAudit, annotation, subject.SiteId)));
                foreach (var formData in eventData.Elements(Odm + "FormData")) ReadForm(subject, formData, eventAudit, context);
                foreach (var stray in eventData.Elements().Where(e => e.Name.LocalName is not ("FormData" or "AuditRecord" or "Signature" or "Annotation")))
                    Deviate(stray, $"<{stray.Name.LocalName}> in StudyEventData is not imported.");
            }
            foreach (var formData in subjectData.Elements(Odm + "FormData"))
            {
                Deviate(formData, "FormData directly in SubjectData (ODM puts it in a StudyEventData); read as a form of the subject.");
                ReadForm(subject, formData, subjectAudit, context);
            }
            foreach (var stray in subjectData.Elements().Where(e => e.Name.LocalName is not ("SiteRef" or "StudyEventData" or "FormData" or "AuditRecord" or "Signature" or "Annotation" or "InvestigatorRef")))
                Deviate(stray, $"<{stray.Name.LocalName}> in SubjectData is not imported.");
        }

        private Site? AddSiteNamedOnlyByReference(string oid, XElement at)
        {
            Deviate(at, $"SiteRef {oid} names no Location of AdminData: the site is created with its OID as name.");
            return AddSite(oid, oid, at);
        }

        private void ReadForm(Subject subject, XElement formData, XElement? inherited, bool subjectContext)
        {
            var formOid = formData.Attribute("FormOID")?.Value ?? "";
            if (!_forms.TryGetValue(formOid, out var form))
            {
                Deviate(formData, $"FormData {formOid} names no FormDef the study has: its data are not imported.");
                return;
            }
            var repeatKey = formData.Attribute("FormRepeatKey")?.Value;
            string? key = null;
            if (form.Repeating)
            {
                if (string.IsNullOrWhiteSpace(repeatKey)) { Deviate(formData, $"FormData {formOid} of a repeating form has no FormRepeatKey: which instance is ambiguous; not imported."); return; }
                key = repeatKey;
            }
            else if (repeatKey is not (null or "1"))
            {
                Deviate(formData, $"FormData {formOid} of a form entered once has FormRepeatKey {repeatKey}: which instance is ambiguous; not imported.");
                return;
            }
            var reference = new FormRef(form.Name, key);
            var audit = Audit(FormAudit(formData) ?? inherited, formData, subject.SiteId);
            var transaction = formData.Attribute("TransactionType")?.Value;

            foreach (var signature in formData.Descendants(Odm + "Signature")) subject.Events.Add(Signature(signature, subject.SiteId));
            foreach (var annotation in formData.Elements(Odm + "Annotation")) subject.Events.Add(Annotation(annotation, form.Name, key, null, audit with { Line = OdmFileReader.Line(annotation) }));

            var before = subject.Forms.GetValueOrDefault(reference);
            if (transaction == "Remove")
            {
                if (before is null) Deviate(formData, $"FormData {formOid} removes {reference}, which was never entered: ignored.");
                else
                {
                    subject.Forms.Remove(reference);
                    subject.Events.Add(new OdmFormImported(form.Name, key, null, audit));
                }
                return;
            }
            var context = subjectContext || transaction == "Context";
            var value = before?.DeepClone().AsObject() ?? new JsonObject();
            var changed = false;
            foreach (var groupData in formData.Elements(Odm + "ItemGroupData"))
            {
                var groupKey = groupData.Attribute("ItemGroupRepeatKey")?.Value;
                foreach (var annotation in groupData.Elements(Odm + "Annotation")) subject.Events.Add(Annotation(annotation, form.Name, key, null, audit with { Line = OdmFileReader.Line(annotation) }));
                foreach (var itemData in groupData.Elements().Where(e => e.Name.LocalName.StartsWith("ItemData", StringComparison.Ordinal)))
                {
                    var itemOid = itemData.Attribute("ItemOID")?.Value ?? "";
                    var hasValue = itemData.Attribute("Value") is not null || itemData.Attribute("IsNull")?.Value == "Yes"
                        || itemData.Name.LocalName != "ItemData" || itemData.Attribute("TransactionType")?.Value == "Remove";
                    string? path = null;
                    if (!_items.TryGetValue((formOid, itemOid), out var item)) Deviate(itemData, $"ItemData {itemOid} names no item of form {form.Name}: not imported.");
                    else if ((path = Concrete(item.Path, groupKey)) is null)
                        Deviate(itemData, $"ItemData {itemOid} is in a repeating group ({item.Path}) but ItemGroupRepeatKey '{groupKey}' does not say which row: not imported.");
                    foreach (var annotation in itemData.Elements(Odm + "Annotation"))
                    {
                        if (path is null) { Deviate(annotation, $"The annotation of ItemData {itemOid} names no item: not imported."); continue; }
                        subject.Events.Add(Annotation(annotation, form.Name, key, path, audit with { Line = OdmFileReader.Line(annotation) }));
                    }
                    if (path is null || context || !hasValue) continue;
                    if (itemData.Attribute("TransactionType")?.Value == "Remove") { Remove(value, path); changed = true; continue; }
                    if (itemData.Attribute("IsNull")?.Value == "Yes") { Set(value, path, null); changed = true; continue; }
                    var raw = itemData.Name.LocalName == "ItemData" ? itemData.Attribute("Value")!.Value : itemData.Value;
                    var typed = Typed(item!.Type, raw, out var fits);
                    if (!fits) { Deviate(itemData, $"ItemData {itemOid} = '{raw}' is not a {DefinitionOdm.DataTypeName(item.Type)}: not imported."); continue; }
                    Set(value, path, typed);
                    changed = true;
                }
                foreach (var stray in groupData.Elements().Where(e => !e.Name.LocalName.StartsWith("ItemData", StringComparison.Ordinal) && e.Name.LocalName is not ("Annotation" or "AuditRecord" or "Signature")))
                    Deviate(stray, $"<{stray.Name.LocalName}> in ItemGroupData is not imported.");
            }
            if (context || !(changed || before is null && formData.Elements(Odm + "ItemGroupData").Any())) return;
            if (transaction == "Insert" && before is not null)
                Deviate(formData, $"FormData {formOid} inserts {reference}, which was already entered: read as an update.");
            if (ImportedForms.Check(form.Name, value) is { } problem)
            {
                Deviate(formData, $"FormData {formOid} ({reference}) does not make a valid {form.Name} form ({problem}): this transaction is not imported.");
                return;
            }
            subject.Forms[reference] = value;
            subject.Events.Add(new OdmFormImported(form.Name, key, value.DeepClone().AsObject(), audit));
        }

        /// <summary>
        /// The FormData's AuditRecord: where ODM puts it (first in FormData), else where other systems put it (after the
        /// item groups, in an ItemGroupData or an ItemData), said as a deviation.
        /// </summary>
        private XElement? FormAudit(XElement formData)
        {
            var direct = formData.Elements(Odm + "AuditRecord").ToList();
            if (direct.Count > 0)
            {
                if (direct[0].ElementsBeforeSelf().Any(e => e.Name.LocalName is "ItemGroupData" or "Annotation" or "Signature"))
                    Deviate(direct[0], $"The AuditRecord of FormData {formData.Attribute("FormOID")?.Value} comes after its other content (ODM puts it first); read as the form's audit record.");
                foreach (var extra in direct.Skip(1)) Deviate(extra, "A second AuditRecord in one FormData: only the first is read.");
                return direct[0];
            }
            var nested = formData.Descendants(Odm + "AuditRecord").ToList();
            if (nested.Count == 0) return null;
            Deviate(nested[0], $"The AuditRecord of FormData {formData.Attribute("FormOID")?.Value} is inside <{nested[0].Parent!.Name.LocalName}> (ODM puts it in FormData); read as the audit record of the whole form transaction.");
            foreach (var extra in nested.Skip(1).Where(n => !XNode.DeepEquals(StripLines(n), StripLines(nested[0]))))
                Deviate(extra, "Another AuditRecord in the same FormData says something else: only the first is read.");
            return nested[0];
        }

        private static XElement StripLines(XElement e) => new(e);

        private ImportedAudit Audit(XElement? record, XElement at, string siteId)
        {
            DateTimeOffset? when = null;
            if (record?.Element(Odm + "DateTimeStamp")?.Value is { } stamp)
            {
                if (DateTimeOffset.TryParse(stamp.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) when = t;
                else Deviate(record, $"DateTimeStamp '{stamp}' is not a date and time: the time is left out.");
            }
            var userOid = record?.Element(Odm + "UserRef")?.Attribute("UserOID")?.Value;
            return new ImportedAudit(userOid is null ? null : _users.GetValueOrDefault(userOid, userOid), when,
                NonEmpty(record?.Element(Odm + "ReasonForChange")?.Value),
                record?.Element(Odm + "LocationRef")?.Attribute("LocationOID")?.Value is { } location ? _sites.GetValueOrDefault(location)?.SiteId ?? location : null,
                _file.Name, _file.Sha256, OdmFileReader.Line(at));
        }

        private OdmSignatureImported Signature(XElement signature, string siteId)
        {
            DateTimeOffset? when = null;
            if (signature.Element(Odm + "DateTimeStamp")?.Value is { } stamp)
            {
                if (DateTimeOffset.TryParse(stamp.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)) when = t;
                else Deviate(signature, $"DateTimeStamp '{stamp}' of the signature is not a date and time: the time is left out.");
            }
            var userOid = signature.Element(Odm + "UserRef")?.Attribute("UserOID")?.Value;
            var user = userOid is null ? null : _users.GetValueOrDefault(userOid, userOid);
            var meaningOid = signature.Element(Odm + "SignatureRef")?.Attribute("SignatureOID")?.Value;
            if (meaningOid is not null && !_meanings.ContainsKey(meaningOid)) Deviate(signature, $"SignatureRef {meaningOid} names no SignatureDef: its meaning is unknown.");
            var location = signature.Element(Odm + "LocationRef")?.Attribute("LocationOID")?.Value is { } l ? _sites.GetValueOrDefault(l)?.SiteId ?? l : null;
            var meaning = meaningOid is null ? null : _meanings.GetValueOrDefault(meaningOid);
            return new OdmSignatureImported(user, meaning, when, location, new ImportedAudit(user, when, null, location, _file.Name, _file.Sha256, OdmFileReader.Line(signature)));
        }

        private static OdmAnnotationImported Annotation(XElement annotation, string? form, string? key, string? item, ImportedAudit audit) => new(
            form, key, item, NonEmpty(annotation.Element(Odm + "Comment")?.Value),
            annotation.Elements(Odm + "Flag").Select(f => new OdmFlag(f.Element(Odm + "FlagValue")?.Value.Trim() ?? "", NonEmpty(f.Element(Odm + "FlagType")?.Value))).ToList(),
            annotation.Attribute("ID")?.Value, audit with { Line = OdmFileReader.Line(annotation) },
            NonEmpty(annotation.Element(Odm + "Comment")?.Attribute("SponsorOrSite")?.Value));

        private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }
}
