using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using NpcEcrf.Api.Casebooks;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// A study's definition as CDISC ODM 1.3.2 metadata, and back. Forms, item groups, items (data type, question, unit,
/// hard and soft range checks, code list), visits and code lists use ODM's own elements. What ODM has no element for
/// (treatment, RECIST, soft-check thresholds, the CTCAE version, visit windows, form and item flags) travels as
/// <c>Alias</c> elements whose context starts with <see cref="Vendor"/>: the ODM 1.3.2 schema admits no foreign
/// elements or attributes without a redefinition of its own, so Alias keeps the file valid against the unmodified
/// schema. Arms, adverse-event terms (with CTCAE term, grades and MedDRA codes) and eligibility criteria are code lists.
/// The clinical export (Exports/OdmExport) writes its metadata through the same <see cref="OdmLayout"/>.
/// </summary>
public static partial class DefinitionOdm
{
    public const string Namespace = "http://www.cdisc.org/ns/odm/v1.3";
    /// <summary>The start of every Alias context that carries a setting of ours.</summary>
    public const string Vendor = "npc-ecrf:";
    /// <summary>The event that holds the log forms (adverse events, dose changes, ...) and unscheduled study forms.</summary>
    public const string CasebookEvent = "SE.CASEBOOK";
    public const string BaselineEvent = "SE.BASELINE";
    public const string CycleEvent = "SE.CYCLE";
    public const string TumourAssessmentEvent = "SE.TUMOUR_ASSESSMENT";
    public const string FollowUpEvent = "SE.FOLLOW_UP";
    /// <summary>The Alias setting (context npc-ecrf:event) that marks a StudyEventDef as one of the product's events, not a visit.</summary>
    public const string ProductEventKey = "event";
    /// <summary>The product's code lists of review flags: what a flag is about, and its value (FlagType and FlagValue of an Annotation).</summary>
    public const string FlagTypeList = "CL.NPCECRF.FLAG_TYPE";
    public const string FlagValueList = "CL.NPCECRF.FLAG_VALUE";

    internal static readonly XNamespace Odm = Namespace;

    /// <summary>An ODM 1.3.2 Snapshot holding one version of the definition as its MetaDataVersion.</summary>
    public static string Export(string studyId, string title, DefinitionVersion version, DateTimeOffset now)
    {
        var odm = new XElement(Odm + "ODM",
            new XAttribute("Description", $"Study definition version {version.Version}, in force from {version.EffectiveFrom:yyyy-MM-dd}" +
                (version.Amendment ? " (amendment)" : "") + (version.Reason is { Length: > 0 } reason ? $": {reason}" : "")),
            new XAttribute("FileType", "Snapshot"),
            new XAttribute("Granularity", "Metadata"),
            new XAttribute("FileOID", $"NPCECRF.{Oid(studyId)}.DEFINITION.{version.Version}.{now.UtcDateTime:yyyyMMddHHmmss}"),
            new XAttribute("CreationDateTime", Timestamp(now)),
            new XAttribute("ODMVersion", "1.3.2"),
            new XAttribute("Originator", "NpcEcrf"),
            new XAttribute("SourceSystem", "NpcEcrf"),
            Study(studyId, title, version.Version, Layout(version.Definition)));
        using var buffer = new MemoryStream();
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) })) odm.WriteTo(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static string MetaDataVersionOid(int version) => $"MDV.{version}";

    /// <summary>Every form of the definition (built-in and the study's) with its groups, items, code lists and units.</summary>
    public static OdmLayout Layout(StudyDefinition definition) => new(definition);

    /// <summary>The Study element: global variables, units, and the definition as one MetaDataVersion.</summary>
    public static XElement Study(string studyId, string title, int version, OdmLayout layout)
    {
        var d = layout.Definition;
        return new XElement(Odm + "Study", new XAttribute("OID", studyId),
            new XElement(Odm + "GlobalVariables",
                new XElement(Odm + "StudyName", studyId), new XElement(Odm + "StudyDescription", title), new XElement(Odm + "ProtocolName", studyId)),
            layout.Units.Count == 0 ? null : new XElement(Odm + "BasicDefinitions", layout.Units.Select(u =>
                new XElement(Odm + "MeasurementUnit", new XAttribute("OID", u.Oid), new XAttribute("Name", u.Unit), new XElement(Odm + "Symbol", Text(u.Unit))))),
            new XElement(Odm + "MetaDataVersion", new XAttribute("OID", MetaDataVersionOid(version)), new XAttribute("Name", $"{studyId} definition version {version}"),
                new XElement(Odm + "Protocol",
                    d.Protocol is { } protocol ? new XElement(Odm + "Description", Text(protocol)) : null,
                    layout.Events.Select((e, i) => new XElement(Odm + "StudyEventRef", new XAttribute("StudyEventOID", e.Oid), new XAttribute("OrderNumber", i + 1), new XAttribute("Mandatory", "Yes"))),
                    Settings(ProtocolSettings(d))),
                layout.Events.Select(e => new XElement(Odm + "StudyEventDef", new XAttribute("OID", e.Oid), new XAttribute("Name", e.Name),
                    new XAttribute("Repeating", YesNo(e.Repeating)), new XAttribute("Type", e.Type),
                    (e.Visit is { } visit ? visit.Forms.Select(FormOid) : layout.FormsOf(e).Select(f => f.Oid)).Select((oid, i) =>
                        new XElement(Odm + "FormRef", new XAttribute("FormOID", oid), new XAttribute("OrderNumber", i + 1), new XAttribute("Mandatory", YesNo(e.Visit is not null)))),
                    Settings(e.Visit is { } v ? VisitSettings(v) : ProductEventSettings(e)))),
                layout.Forms.Select(f => new XElement(Odm + "FormDef", new XAttribute("OID", f.Oid), new XAttribute("Name", f.Title), new XAttribute("Repeating", YesNo(f.Repeating)),
                    f.Groups.Select((g, i) => new XElement(Odm + "ItemGroupRef", new XAttribute("ItemGroupOID", g.Oid), new XAttribute("OrderNumber", i + 1),
                        new XAttribute("Mandatory", YesNo(g.Items.Any(x => x.Mandatory))))),
                    Settings(f.StudyForm is { } s ? FormSettings(s) : [("builtIn", f.Name)]))),
                layout.Forms.SelectMany(f => f.Groups).Select(g => new XElement(Odm + "ItemGroupDef", new XAttribute("OID", g.Oid), new XAttribute("Name", g.Name),
                    new XAttribute("Repeating", YesNo(g.Repeating)), g.Domain is { } domain ? new XAttribute("Domain", domain) : null,
                    g.Title is { } groupTitle ? new XElement(Odm + "Description", Text(groupTitle)) : null,
                    g.Items.Select((x, i) => new XElement(Odm + "ItemRef", new XAttribute("ItemOID", x.Oid), new XAttribute("OrderNumber", i + 1),
                        new XAttribute("Mandatory", YesNo(x.Mandatory)), x.Key ? new XAttribute("KeySequence", g.Items.Where(k => k.Key).ToList().IndexOf(x) + 1) : null)))),
                layout.Forms.SelectMany(f => f.Groups).SelectMany(g => g.Items).Select(x => ItemDef(x, layout)),
                layout.CodeLists.Select(c => new XElement(Odm + "CodeList", new XAttribute("OID", c.Oid), new XAttribute("Name", c.Name), new XAttribute("DataType", "text"),
                    c.Items.Select(i => new XElement(Odm + "CodeListItem", new XAttribute("CodedValue", i.Code), new XElement(Odm + "Decode", Text(i.Decode)), Aliases(i.Aliases))),
                    Aliases(c.Aliases)))));
    }

    private static XElement ItemDef(OdmItem x, OdmLayout layout) => new(Odm + "ItemDef",
        new XAttribute("OID", x.Oid), new XAttribute("Name", x.Name), new XAttribute("DataType", DataTypeName(x.Type)),
        new XElement(Odm + "Question", Text(x.Question)),
        x.Unit is { } unit ? new XElement(Odm + "MeasurementUnitRef", new XAttribute("MeasurementUnitOID", layout.UnitOid(unit))) : null,
        Ranges(x.Hard, "Hard"), Ranges(x.Soft, "Soft"),
        x.CodeListOid is { } list ? new XElement(Odm + "CodeListRef", new XAttribute("CodeListOID", list)) : null,
        Settings(ItemSettings(x)));

    private static IEnumerable<XElement> Ranges(RangeCheck? range, string softHard)
    {
        if (range?.Min is { } min) yield return new XElement(Odm + "RangeCheck", new XAttribute("Comparator", "GE"), new XAttribute("SoftHard", softHard), new XElement(Odm + "CheckValue", Invariant(min)));
        if (range?.Max is { } max) yield return new XElement(Odm + "RangeCheck", new XAttribute("Comparator", "LE"), new XAttribute("SoftHard", softHard), new XElement(Odm + "CheckValue", Invariant(max)));
    }

    // The settings ODM has no element for, keyed by their path in the definition's JSON.
    private static IEnumerable<(string, string?)> ProtocolSettings(StudyDefinition d) =>
    [
        ("treatment.doseUnit", d.Treatment.DoseUnit), ("treatment.route", d.Treatment.Route),
        ("treatment.cycleDays", Number(d.Treatment.CycleDays)), ("treatment.daysOn", Number(d.Treatment.DaysOn)),
        ("treatment.doseBasisItem", d.Treatment.DoseBasisItem), ("treatment.unitsDispensedMax", Number(d.Treatment.UnitsDispensedMax)),
        ("recist.confirmationRequired", Flag(d.Recist.ConfirmationRequired)), ("recist.confirmationDays", Number(d.Recist.ConfirmationDays)),
        ("recist.stableDiseaseMinimumDays", Number(d.Recist.StableDiseaseMinimumDays)), ("recist.baselineWindowDays", Number(d.Recist.BaselineWindowDays)),
        ("softChecks.lesionGrowthPercent", Number(d.SoftChecks?.LesionGrowthPercent)),
        ("adverseEvents.ctcaeVersion", d.AdverseEvents.CtcaeVersion),
        ("schedule.tumourAssessmentIntervalDays", Number(d.Schedule?.TumourAssessmentIntervalDays)),
    ];

    private static IEnumerable<(string, string?)> VisitSettings(Visit v) =>
    [
        ("anchor", v.Anchor), ("targetDay", Number(v.TargetDay)), ("earliestDay", Number(v.EarliestDay)), ("latestDay", Number(v.LatestDay)),
        ("repeatEveryDays", Number(v.RepeatEveryDays)), ("repeats", Number(v.Repeats)),
    ];

    /// <summary>A product event is marked so the definition import never reads it as a visit (SE.CASEBOOK keeps its older mark too).</summary>
    private static IEnumerable<(string, string?)> ProductEventSettings(OdmEvent e) =>
        [(ProductEventKey, e.Product), ("casebook", e.Oid == CasebookEvent ? "every form no other event holds: logs and unscheduled study forms" : null)];

    private static IEnumerable<(string, string?)> FormSettings(StudyForm f) =>
        [("baseline", f.Baseline ? "true" : null), ("requiredForSignature", f.RequiredForSignature ? "true" : null), ("retired", f.Retired ? "true" : null)];

    private static IEnumerable<(string, string?)> ItemSettings(OdmItem x) =>
        [("retired", x.Retired ? "true" : null), ("notAfter", x.NotAfter), ("notBefore", x.NotBefore)];

    private static IEnumerable<XElement> Settings(IEnumerable<(string Key, string? Value)> settings) =>
        settings.Where(s => s.Value is not null).Select(s => Alias(Vendor + s.Key, s.Value!));

    private static IEnumerable<XElement> Aliases(IEnumerable<(string Context, string Name)> aliases) => aliases.Select(a => Alias(a.Context, a.Name));

    private static XElement Alias(string context, string name) => new(Odm + "Alias", new XAttribute("Context", context), new XAttribute("Name", name));

    private static XElement Text(string text) => new(Odm + "TranslatedText", new XAttribute(XNamespace.Xml + "lang", "en"), text);

    private static string YesNo(bool yes) => yes ? "Yes" : "No";
    private static string Flag(bool value) => value ? "true" : "false";
    internal static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);
    private static string? Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);
    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string DataTypeName(ItemType type) => type switch
    {
        ItemType.Integer => "integer", ItemType.Float => "float", ItemType.Date => "date", ItemType.Boolean => "boolean", _ => "text",
    };

    /// <summary>An OID part from a name: upper case, letters, digits and dots kept, anything else '_' ("first-dose" is FIRST_DOSE).</summary>
    public static string Oid(string s) => new(s.ToUpperInvariant().Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_').ToArray());

    /// <summary>Form names are lower-case letters, digits and '-', so "F.VITAL_SIGNS" names "vital-signs" and nothing else.</summary>
    public static string FormOid(string form) => $"F.{Oid(form)}";

    [GeneratedRegex(@"\[\d+\]")]
    internal static partial Regex ListIndex();
}

/// <summary>One item as ODM places it: its OID, its path in the form's value ("results[].hb"), and what its ItemDef says.</summary>
public sealed record OdmItem(string Oid, string Name, string Path, ItemType Type, string Question, string? Unit, string? CodeListOid,
    RangeCheck? Hard, RangeCheck? Soft, bool Mandatory, bool Key = false, bool Retired = false, string? NotAfter = null, string? NotBefore = null);

/// <summary>An item group; a repeating one holds a list of the form's value (rows, lesions, criteria).</summary>
public sealed record OdmGroup(string Oid, string Name, string? Title, bool Repeating, string? Domain, List<OdmItem> Items);

/// <summary>A form: one of the product's (StudyForm null) or one the study defined.</summary>
public sealed record OdmForm(string Oid, string Name, string Title, bool Repeating, StudyForm? StudyForm, List<OdmGroup> Groups);

public sealed record OdmCode(string Code, string Decode, IReadOnlyList<(string Context, string Name)> Aliases);

/// <param name="Role">Null for the study's own code lists; else what the list stands for (arms, adverse-event terms, ...).</param>
public sealed record OdmCodeList(string Oid, string Name, string? Role, IReadOnlyList<OdmCode> Items, IReadOnlyList<(string Context, string Name)> Aliases)
{
    public IReadOnlyList<string> Codes => Items.Select(i => i.Code).ToList();
}

/// <summary>
/// A StudyEventDef: a visit of the schedule, or (Visit null) one of the product's events (<paramref name="Product"/>:
/// baseline, cycle, tumour-assessment, follow-up, casebook) that hold the built-in forms named in <paramref name="Forms"/>
/// (the casebook event: every form no other product event holds).
/// </summary>
public sealed record OdmEvent(string Oid, string Name, Visit? Visit, string? Product = null, IReadOnlyList<string>? Forms = null, bool ProductRepeats = false)
{
    public bool Repeating => Visit is { } v ? v.Repeats is > 1 : ProductRepeats;
    public string Type => Visit is not null ? "Scheduled" : Product == OdmLayout.Products.Casebook ? "Common" : Product == OdmLayout.Products.FollowUp ? "Unscheduled" : "Scheduled";
}

/// <summary>
/// Where everything of one definition sits in ODM: forms, groups and items with their OIDs, code lists and units.
/// OIDs are readable and stable (F.LABS, IG.LABS.RESULTS, I.LABS.RESULTS.HB, CL.SEX, SE.SCREENING) and unique in the
/// MetaDataVersion. The clinical export places every value of a form through <see cref="Place"/>.
/// </summary>
public sealed class OdmLayout
{
    /// <summary>Code list roles: what a product-made list stands for (a study's own lists have none).</summary>
    public static class Roles
    {
        public const string Arms = "arms";
        public const string AdverseEventTerms = "adverse-event-terms";
        public const string Eligibility = "eligibility";
        /// <summary>A CDISC list the product ships, used because the study did not define its own.</summary>
        public const string Default = "default";
        /// <summary>The values a built-in form's item takes (relation to study drug, ...).</summary>
        public const string BuiltIn = "built-in";
    }

    /// <summary>The product's events and the built-in forms each holds (docs/standards.md, "ODM export").</summary>
    public static class Products
    {
        public const string Baseline = "baseline";
        public const string Cycle = "cycle";
        public const string TumourAssessment = "tumour-assessment";
        public const string FollowUp = "follow-up";
        public const string Casebook = "casebook";
        public const string Flags = "flags";

        internal static readonly OdmEvent[] Events =
        [
            new(DefinitionOdm.BaselineEvent, "Baseline", null, Baseline, ["enrolment", "demographics", "ecog", "baseline-lesions", "first-dose"]),
            new(DefinitionOdm.CycleEvent, "Treatment cycle", null, Cycle, ["cycle"], ProductRepeats: true),
            new(DefinitionOdm.TumourAssessmentEvent, "Tumour assessment", null, TumourAssessment, ["tumour-assessment"], ProductRepeats: true),
            new(DefinitionOdm.FollowUpEvent, "Follow-up", null, FollowUp, ["contact", "death", "lost-to-follow-up"]),
            new(DefinitionOdm.CasebookEvent, "Casebook", null, Casebook),
        ];

        /// <summary>The review flags' code lists (<see cref="ReviewFlags"/>): what a flag is about and its value.</summary>
        internal static readonly OdmCodeList[] FlagLists =
        [
            new(DefinitionOdm.FlagTypeList, "NpcEcrf review flag types", Flags,
                [.. ReviewFlags.Types.Select(f => new OdmCode(f.Code, f.Label, []))], [(DefinitionOdm.Vendor + "list", Flags)]),
            new(DefinitionOdm.FlagValueList, "NpcEcrf review flag values", Flags,
                [.. ReviewFlags.Values.Select(f => new OdmCode(f.Code, f.Label, []))], [(DefinitionOdm.Vendor + "list", Flags)]),
        ];
    }

    private readonly HashSet<string> _oids = new(StringComparer.Ordinal)
        { DefinitionOdm.CasebookEvent, DefinitionOdm.BaselineEvent, DefinitionOdm.CycleEvent, DefinitionOdm.TumourAssessmentEvent, DefinitionOdm.FollowUpEvent, DefinitionOdm.FlagTypeList, DefinitionOdm.FlagValueList };
    private readonly List<(string Unit, string Oid)> _units = [];
    private readonly FormSet _set;

    public StudyDefinition Definition { get; }
    public List<OdmForm> Forms { get; } = [];
    public List<OdmCodeList> CodeLists { get; } = [];
    public List<OdmEvent> Events { get; } = [];
    public IReadOnlyList<(string Unit, string Oid)> Units => _units;

    internal OdmLayout(StudyDefinition d)
    {
        Definition = d;
        _set = FormSet.Of(d);
        // The study's lists first: their OIDs are exactly CL.{id}, which the import reads the id back from.
        foreach (var list in d.CodeLists ?? []) AddList(StudyList(list, null));
        if (d.Treatment.Arms.Count > 0)
            AddList(new OdmCodeList(Unique("CL.ARMS"), "Treatment arms", Roles.Arms,
                d.Treatment.Arms.Select(a => new OdmCode(a.Code, a.Name, [(DefinitionOdm.Vendor + "doseLevels", string.Join(' ', a.DoseLevels.Select(DefinitionOdm.Invariant)))])).ToList(), Role(Roles.Arms)));
        if (d.AdverseEvents.Terms.Count > 0)
            AddList(new OdmCodeList(Unique("CL.AE_TERMS"), $"Adverse event terms (CTCAE {d.AdverseEvents.CtcaeVersion})", Roles.AdverseEventTerms,
                d.AdverseEvents.Terms.Select(t => new OdmCode(t.Term, t.Term, TermAliases(t).ToList())).ToList(), Role(Roles.AdverseEventTerms)));
        if (d.Criteria.Count > 0)
            AddList(new OdmCodeList(Unique("CL.ELIGIBILITY"), "Eligibility criteria", Roles.Eligibility,
                d.Criteria.Select(c => new OdmCode(c.Id, c.Text, [(DefinitionOdm.Vendor + "kind", c.Kind)])).ToList(), Role(Roles.Eligibility)));

        foreach (var form in FormCatalogue.All)
        {
            var odm = AddForm(new OdmForm(DefinitionOdm.FormOid(form.Name), form.Name, form.Title, form.Repeating, null, []));
            foreach (var field in _set.FieldsOf(form)) AddField(odm, field, ListOf(form, field));
        }
        foreach (var form in d.StudyForms)
        {
            var odm = AddForm(new OdmForm(DefinitionOdm.FormOid(form.Name), form.Name, form.Title, form.Repeating, form, []));
            foreach (var (path, item, group) in StudyFormPaths.Items(form))
            {
                var odmGroup = odm.Groups.FirstOrDefault(g => g.Name == group.Name)
                    ?? Add(odm, new OdmGroup(Unique($"IG.{DefinitionOdm.Oid(form.Name)}.{group.Name.ToUpperInvariant()}"), group.Name, group.Title, group.Repeating, form.Domain, []));
                var oid = group.Repeating ? $"I.{DefinitionOdm.Oid(form.Name)}.{group.Name.ToUpperInvariant()}.{item.Name.ToUpperInvariant()}" : $"I.{DefinitionOdm.Oid(form.Name)}.{item.Name.ToUpperInvariant()}";
                odmGroup.Items.Add(Registered(new OdmItem(Unique(oid), item.Name, path, item.DataType, item.Question, item.Unit,
                    item.CodeList is { } id ? ListById(id) : null, item.Hard, item.Soft, item.Mandatory, Retired: item.Retired, NotAfter: item.NotAfter, NotBefore: item.NotBefore)));
            }
        }
        foreach (var visit in d.ScheduleOrEmpty.Visits) Events.Add(new OdmEvent(Unique($"SE.{visit.Name.ToUpperInvariant()}"), visit.Name, visit));
        Events.AddRange(Products.Events);
        CodeLists.AddRange(Products.FlagLists);
    }

    /// <summary>The forms a product event holds: its built-in forms, or for the casebook event every form no other product event holds.</summary>
    public IEnumerable<OdmForm> FormsOf(OdmEvent e) => e.Product == Products.Casebook
        ? Forms.Where(f => !Products.Events.Any(p => p.Forms?.Contains(f.Name) == true))
        : Forms.Where(f => e.Forms?.Contains(f.Name) == true);

    /// <summary>
    /// The study event (and its repeat key) a form instance sits in. Built-in forms sit in the product's events (a cycle
    /// and a tumour assessment repeat by the form's key); a study form entered for a visit of the schedule, keyed as the
    /// schedule keys it (the visit's name and occurrence, "W3", or the name alone, "EOT"), sits in that visit; a study form
    /// entered once, in the first visit that expects it; anything else (logs, unscheduled forms) in the casebook event.
    /// </summary>
    public (OdmEvent Event, string? RepeatKey) EventOf(FormRef form)
    {
        if (Products.Events.FirstOrDefault(p => p.Forms?.Contains(form.Name) == true) is { } product) return (product, product.Repeating ? form.Key ?? "1" : null);
        if (FormCatalogue.Find(form.Name) is null)
        {
            var visits = Events.Where(e => e.Visit?.Forms.Contains(form.Name, StringComparer.OrdinalIgnoreCase) == true).OrderByDescending(e => e.Visit!.Name.Length).ToList();
            foreach (var e in visits)
            {
                var visit = e.Visit!;
                if (form.Key is null) return (e, e.Repeating ? "1" : null);
                if (visit.Repeats is null && string.Equals(form.Key, visit.Name, StringComparison.OrdinalIgnoreCase)) return (e, null);
                if (visit.Repeats is { } repeats && form.Key.StartsWith(visit.Name, StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(form.Key[visit.Name.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var occurrence) && occurrence >= 1 && occurrence <= repeats)
                    return (e, e.Repeating ? occurrence.ToString(CultureInfo.InvariantCulture) : null);
            }
        }
        return (Events.Single(e => e.Oid == DefinitionOdm.CasebookEvent), null);
    }

    /// <summary>
    /// Where a value of a form instance goes: its form, its group (and the group's repeat key for list rows, lesions or
    /// criteria), and its item. A value this definition does not declare (data entered under an older version, say)
    /// gets a text item of its own, so the export never drops a value.
    /// </summary>
    /// <param name="path">The value's concrete path in the form's value ("results[2].hb", "targetDiametersMm.T1").</param>
    public (OdmForm Form, OdmGroup Group, string? RepeatKey, OdmItem Item) Place(string formName, string path)
    {
        var form = Form(formName);
        var pattern = (_set.Find(formName) is { } definition ? FormValues.Declared(definition, path)?.Path : null) ?? DefinitionOdm.ListIndex().Replace(path, "[]");
        var item = form.Groups.SelectMany(g => g.Items).FirstOrDefault(i => i.Path == pattern)
            ?? AddField(form, new FormField(pattern, ItemType.Text, pattern, Optional: true), null);
        return (form, form.Groups.First(g => g.Items.Contains(item)), RepeatKey(item.Path, path), item);
    }

    /// <summary>
    /// Whether a value of a form instance is collected data: every value of a study's form (one entered under an older
    /// version too), but of a built-in form only its declared fields, not what its typed value derives (an adverse
    /// event's current and worst grade).
    /// </summary>
    public bool Collected(string formName, string path) =>
        FormCatalogue.Find(formName) is not { } builtIn || FormValues.Declared(builtIn, path) is not null;

    /// <summary>The form of that name; a form this definition lacks (entered under an older version) gets a FormDef of its own.</summary>
    public OdmForm Form(string name) =>
        Forms.FirstOrDefault(f => f.Name == name) ?? AddForm(new OdmForm(Unique(DefinitionOdm.FormOid(name)), name, name, true, null, []), reserved: true);

    public string UnitOid(string unit) => _units.First(u => u.Unit == unit).Oid;

    /// <summary>The repeat key of a list row (its 1-based index) or a keyed entry (its key), from the first list or map segment.</summary>
    private static string? RepeatKey(string pattern, string path)
    {
        var p = pattern.Split('.');
        var c = path.Split('.');
        for (var i = 0; i < Math.Min(p.Length, c.Length); i++)
        {
            if (p[i] == "*") return c[i];
            if (p[i].EndsWith("[]", StringComparison.Ordinal) && Regex.Match(c[i], @"\[(\d+)\]$") is { Success: true } index)
                return (int.Parse(index.Groups[1].Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>A built-in item: in the form's main group, or in a repeating group for its list ("targets[].organ") or map ("eligibility.*").</summary>
    private OdmItem AddField(OdmForm form, FormField field, string? codeList)
    {
        var segments = field.Path.Split('.');
        var list = Array.FindIndex(segments, s => s == "*" || s.EndsWith("[]", StringComparison.Ordinal));
        var prefix = list < 0 ? null : string.Join('.', segments[..list].Append(segments[list] == "*" ? null : segments[list][..^2]).OfType<string>());
        var formOid = DefinitionOdm.Oid(form.Name);
        var group = prefix is null
            ? form.Groups.FirstOrDefault(g => g.Oid == $"IG.{formOid}") ?? Add(form, new OdmGroup(Unique($"IG.{formOid}"), form.Name, null, false, null, []), first: true)
            : form.Groups.FirstOrDefault(g => g.Name == prefix) ?? Add(form, new OdmGroup(Unique($"IG.{formOid}.{DefinitionOdm.Oid(prefix)}"), prefix, null, true, null, []));
        var item = Registered(new OdmItem(Unique($"I.{formOid}.{DefinitionOdm.Oid(field.Path.Replace("[]", "").Replace(".*", ""))}"), field.Path, field.Path, field.Type,
            field.Question, field.Unit, codeList, Range(field.Min, field.Max), Range(field.SoftMin, field.SoftMax), !field.Optional, field.Identity,
            field.Retired, field.NotAfter, field.NotBefore));
        group.Items.Add(item);
        return item;
    }

    private static RangeCheck? Range(decimal? min, decimal? max) => min is null && max is null ? null : new RangeCheck(min, max);

    /// <summary>
    /// The list a built-in item takes its values from: arms, adverse-event terms or a code list of the study when the
    /// values are that list's (the form reads them from there), else a list of the form's own values.
    /// </summary>
    private string? ListOf(FormDefinition form, FormField field)
    {
        if (field.CodeList is not { } codes) return null;
        if (CodeLists.FirstOrDefault(c => c.Codes.SequenceEqual(codes)) is { } known) return known.Oid;
        if (CdiscCodeLists.Defaults.FirstOrDefault(c => c.Codes.SequenceEqual(codes)) is { } cdisc) return ListById(cdisc.Id);
        return AddList(new OdmCodeList(Unique($"CL.{DefinitionOdm.Oid(form.Name)}.{DefinitionOdm.Oid(field.Path)}"), $"{form.Title}: {field.Question}", Roles.BuiltIn,
            codes.Select(c => new OdmCode(c, c, [])).ToList(), Role(Roles.BuiltIn))).Oid;
    }

    /// <summary>The study's code list by id, or the CDISC default the product ships (added once, marked as such).</summary>
    private string? ListById(string id)
    {
        if (Definition.CodeList(id) is not { } list) return null;
        if (CodeLists.FirstOrDefault(c => c.Role is null or Roles.Default && StableIds.Same(c.Oid, "CL." + list.Id)) is { } known) return known.Oid;
        return AddList(StudyList(list, Roles.Default)).Oid;
    }

    private OdmCodeList StudyList(CodeList list, string? role) => new(role is null ? Reserve("CL." + list.Id) : Unique("CL." + list.Id), list.Name, role,
        list.Items.Select(i => new OdmCode(i.Code, i.Decode, [])).ToList(),
        [.. list.CdiscCodeListCode is { } code ? [("nci:ExtCodeID", code)] : Array.Empty<(string, string)>(), .. role is null ? [] : Role(role)]);

    private static IEnumerable<(string, string)> TermAliases(AdverseEventTerm t)
    {
        yield return ("CTCAE", t.CtcaeTerm);
        yield return (DefinitionOdm.Vendor + "grades", string.Join(' ', t.Grades));
        if (t.MeddraCode is { } code) yield return ("MedDRA", code);
        if (t.Soc is { } soc) yield return ("MedDRA SOC", soc);
    }

    private static IReadOnlyList<(string, string)> Role(string role) => [(DefinitionOdm.Vendor + "list", role)];

    private OdmItem Registered(OdmItem item)
    {
        if (item.Unit is { } unit && _units.All(u => u.Unit != unit)) _units.Add((unit, Unique($"MU.{DefinitionOdm.Oid(unit)}")));
        return item;
    }

    private OdmForm AddForm(OdmForm form, bool reserved = false)
    {
        if (!reserved) Reserve(form.Oid);
        Forms.Add(form);
        return form;
    }

    private static OdmGroup Add(OdmForm form, OdmGroup group, bool first = false)
    {
        if (first) form.Groups.Insert(0, group);
        else form.Groups.Add(group);
        return group;
    }

    private OdmCodeList AddList(OdmCodeList list)
    {
        CodeLists.Add(list);
        return list;
    }

    /// <summary>Takes an OID that must stay exactly as it is (form and study code list OIDs carry their names).</summary>
    private string Reserve(string oid) => _oids.Add(oid) ? oid : throw new InvalidOperationException($"The OID {oid} is used twice.");

    /// <summary>The OID, or the first of OID_2, OID_3, ... not yet taken.</summary>
    private string Unique(string oid)
    {
        var candidate = oid;
        for (var n = 2; !_oids.Add(candidate); n++) candidate = $"{oid}_{n}";
        return candidate;
    }
}

/// <summary>Something of an ODM file the import could not map onto a definition: the element and why.</summary>
public sealed record OdmFinding(string Element, string Message);

/// <summary>What an ODM file gave: the study's id and title as the file names them, the definition, and what was left out.</summary>
public sealed record OdmImport(string? StudyId, string? Title, StudyDefinition Definition, IReadOnlyList<OdmFinding> Unmapped);

/// <summary>Why an ODM file cannot be imported at all, keyed by what to fix ("odm": the file, "base": the base definition).</summary>
public sealed record OdmRefusal(string Field, string Message);

public static partial class DefinitionOdm
{
    /// <summary>
    /// Reads a MetaDataVersion back into a definition. A file written by NpcEcrf carries every part; a file of another
    /// EDC carries forms, items and code lists only, and takes treatment, RECIST settings, adverse-event terms (and the
    /// schedule, eligibility, soft checks) from <paramref name="baseDefinition"/>, whose forms and code lists are kept
    /// beside the file's. Without a base such a file is refused, naming the parts it lacks. Whatever cannot be mapped
    /// is listed in <see cref="OdmImport.Unmapped"/>, never dropped silently. The definition still has to pass
    /// <see cref="DefinitionRules"/> (creating the study does that).
    /// </summary>
    public static (OdmImport? Imported, OdmRefusal? Refused) Import(string xml, StudyDefinition? baseDefinition)
    {
        try
        {
            return Import(Parse(xml), baseDefinition);
        }
        catch (OdmMalformed e)
        {
            return (null, new OdmRefusal(e.Field, e.Message));
        }
    }

    /// <summary>The metadata of a document already read (safely: see <see cref="Parse"/>).</summary>
    public static (OdmImport? Imported, OdmRefusal? Refused) Import(XDocument document, StudyDefinition? baseDefinition)
    {
        try
        {
            return (new OdmReader(document).Read(baseDefinition), null);
        }
        catch (OdmMalformed e)
        {
            return (null, new OdmRefusal(e.Field, e.Message));
        }
    }

    private static XDocument Parse(string xml)
    {
        if (string.IsNullOrWhiteSpace(xml)) throw new OdmMalformed("odm", "The request holds no ODM file.");
        try
        {
            // No DTDs and no resolver: an uploaded file cannot make the server read files or URLs (XXE).
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new OdmMalformed("odm", $"The file is not well-formed XML: {e.Message}");
        }
    }

    private sealed class OdmMalformed(string fieldToFix, string message) : Exception(message)
    {
        public string Field { get; } = fieldToFix;
    }

    private sealed class OdmReader
    {
        private readonly List<OdmFinding> _unmapped = [];
        private readonly XElement _study;
        private readonly XElement _mdv;
        private readonly Dictionary<string, string> _units = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ListIn> _lists = new(StringComparer.Ordinal);
        private readonly Dictionary<string, XElement> _itemDefs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, XElement> _groupDefs = new(StringComparer.Ordinal);
        private readonly List<XElement> _formDefs;

        private sealed record ListIn(string Oid, string Name, string? Role, string? Unusable, IReadOnlyList<(string Code, string Decode, XElement Element)> Items, string? CdiscCode);

        public OdmReader(XDocument doc)
        {
            var root = doc.Root!;
            if (root.Name != Odm + "ODM")
                throw new OdmMalformed("odm", $"This is not a CDISC ODM 1.3 file: its root element is <{root.Name.LocalName}>" +
                    (root.Name.NamespaceName.Length > 0 ? $" in namespace '{root.Name.NamespaceName}'" : " in no namespace") + $", not <ODM> in '{Namespace}'.");
            foreach (var other in root.Elements().Where(e => e.Name != Odm + "Study"))
                Unmapped(Describe(other), "Only the study's metadata is imported; administrative, reference and clinical data are not.");
            var studies = root.Elements(Odm + "Study").ToList();
            if (studies.Count == 0) throw new OdmMalformed("odm", "The file has no <Study>: there is no definition in it.");
            foreach (var other in studies.Skip(1)) Unmapped(Describe(other), "Only the first study of the file is imported.");
            _study = studies[0];
            var versions = _study.Elements(Odm + "MetaDataVersion").ToList();
            if (versions.Count == 0) throw new OdmMalformed("odm", $"Study {Attr(_study, "OID")} has no <MetaDataVersion>: nothing defines its forms.");
            foreach (var older in versions.SkipLast(1)) Unmapped(Describe(older), "Only the last MetaDataVersion of the study is imported.");
            _mdv = versions[^1];
            Known(_study, ["OID"], ["GlobalVariables", "BasicDefinitions", "MetaDataVersion"]);

            foreach (var unit in _study.Elements(Odm + "BasicDefinitions").Elements(Odm + "MeasurementUnit"))
            {
                Known(unit, ["OID", "Name"], ["Symbol"]);
                _units[Required(unit, "OID")] = Text(unit.Element(Odm + "Symbol")) ?? Required(unit, "Name");
            }
            Known(_mdv, ["OID", "Name", "Description"], ["Protocol", "StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList"]);
            if (_mdv.Elements().Select(e => e.Attribute("OID")?.Value).OfType<string>().GroupBy(o => o, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new OdmMalformed("odm", $"The OID {twice.Key} names {twice.Count()} elements of the MetaDataVersion; an OID names one.");
            foreach (var list in _mdv.Elements(Odm + "CodeList")) _lists[Required(list, "OID")] = ReadList(list);
            foreach (var item in _mdv.Elements(Odm + "ItemDef")) _itemDefs[Required(item, "OID")] = item;
            foreach (var group in _mdv.Elements(Odm + "ItemGroupDef")) _groupDefs[Required(group, "OID")] = group;
            _formDefs = _mdv.Elements(Odm + "FormDef").ToList();
        }

        public OdmImport Read(StudyDefinition? baseDefinition)
        {
            var protocol = _mdv.Element(Odm + "Protocol");
            if (protocol is not null) Known(protocol, [], ["Description", "StudyEventRef", "Alias"]);
            var settings = Settings(protocol, "Protocol");
            foreach (var (key, _) in settings.Where(s => !ProtocolKeys.Contains(s.Key))) Unmapped("Protocol", $"The setting {Vendor}{key} is not one this version knows.");
            string? Setting(string key) => settings.GetValueOrDefault(key);
            bool Carries(string part) => settings.Keys.Any(k => k.StartsWith(part + ".", StringComparison.Ordinal));

            var forms = _formDefs.ToDictionary(f => Required(f, "OID"), f => Settings(f, Describe(f)).GetValueOrDefault("builtIn") ?? FormName(Required(f, "OID")), StringComparer.Ordinal);
            var studyForms = _formDefs.Where(f => !Settings(f, Describe(f)).ContainsKey("builtIn")).Select(ReadForm).OfType<StudyForm>().ToList();
            var groupsInForms = _formDefs.Elements(Odm + "ItemGroupRef").Select(r => r.Attribute("ItemGroupOID")?.Value).ToHashSet();
            foreach (var group in _groupDefs.Where(g => !groupsInForms.Contains(g.Key))) Unmapped(Describe(group.Value), "The item group is in no form; it is left out.");
            var itemsInGroups = _groupDefs.Values.Elements(Odm + "ItemRef").Select(r => r.Attribute("ItemOID")?.Value).ToHashSet();
            foreach (var item in _itemDefs.Where(i => !itemsInGroups.Contains(i.Key))) Unmapped(Describe(item.Value), "The item is in no item group; it is left out.");

            var visits = ReadVisits(forms);
            var arms = ListWithRole(OdmLayout.Roles.Arms);
            var terms = ListWithRole(OdmLayout.Roles.AdverseEventTerms);
            var criteria = ListWithRole(OdmLayout.Roles.Eligibility);

            var treatment = Carries("treatment")
                ? new Treatment(arms?.Items.Select(a => new Arm(a.Code, a.Decode, Decimals(a.Element, "doseLevels"))).ToList() ?? [],
                    Need("treatment.doseUnit"), Need("treatment.route"), Int("treatment.cycleDays"), Int("treatment.daysOn"),
                    Setting("treatment.doseBasisItem"), IntOrNull("treatment.unitsDispensedMax"))
                : baseDefinition?.Treatment;
            var recist = Carries("recist")
                ? new RecistSettings(Need("recist.confirmationRequired") switch { "true" => true, "false" => false, var v => throw Bad("recist.confirmationRequired", v, "true or false") },
                    Int("recist.confirmationDays"), Int("recist.stableDiseaseMinimumDays"), Int("recist.baselineWindowDays"))
                : baseDefinition?.Recist;
            var adverseEvents = Carries("adverseEvents") || terms is not null
                ? new AdverseEventDictionary(Need("adverseEvents.ctcaeVersion"), terms?.Items.Select(t => new AdverseEventTerm(t.Code,
                    Alias(t.Element, "CTCAE") ?? t.Decode, Decimals(t.Element, "grades").Select(g => g % 1 == 0 ? (int)g : throw Bad("grades", Invariant(g), "a whole number")).ToList(), Alias(t.Element, "MedDRA"), Alias(t.Element, "MedDRA SOC"))).ToList() ?? [])
                : baseDefinition?.AdverseEvents;
            var missing = new[] { ("treatment", (object?)treatment), ("recist", recist), ("adverseEvents", adverseEvents) }.Where(p => p.Item2 is null).Select(p => p.Item1).ToList();
            if (missing.Count > 0)
                throw new OdmMalformed("base", $"The file does not carry {string.Join(", ", missing)}: ODM has no element for them, and only a file written by NpcEcrf " +
                    $"carries them (as {Vendor} aliases). Give a base definition that holds them: --base FILE.json on the command line, a 'base' part over HTTP.");

            var softChecks = Setting("softChecks.lesionGrowthPercent") is not null ? new SoftCheckThresholds(Decimal("softChecks.lesionGrowthPercent")) : baseDefinition?.SoftChecks;
            var schedule = visits.Count > 0 || Setting("schedule.tumourAssessmentIntervalDays") is not null
                ? new Schedule(visits, IntOrNull("schedule.tumourAssessmentIntervalDays"))
                : baseDefinition?.Schedule;
            var eligibility = criteria?.Items.Select(c => new EligibilityCriterion(c.Code, Alias(c.Element, Vendor + "kind") ?? CriterionKinds.Inclusion, c.Decode)).ToList()
                ?? baseDefinition?.Eligibility;
            var codeLists = _lists.Values.Where(l => l.Role is null && l.Unusable is null)
                .Select(l => new CodeList(ListId(l.Oid), l.Name, l.Items.Select(i => new CodeListItem(i.Code, i.Decode)).ToList(), l.CdiscCode)).ToList();

            var definition = new StudyDefinition(treatment!, recist!, adverseEvents!, schedule, softChecks, eligibility,
                Union(codeLists, baseDefinition?.CodeLists, c => c.Id), Union(studyForms, baseDefinition?.Forms, f => f.Name),
                Text(protocol?.Element(Odm + "Description")) ?? baseDefinition?.Protocol);
            var globals = _study.Element(Odm + "GlobalVariables");
            return new OdmImport(_study.Attribute("OID")?.Value, NonEmpty(globals?.Element(Odm + "StudyDescription")?.Value) ?? NonEmpty(globals?.Element(Odm + "StudyName")?.Value),
                definition, _unmapped.Distinct().ToList());

            string Need(string key) => Setting(key) ?? throw new OdmMalformed("odm", $"The protocol carries other {key[..key.IndexOf('.')]} settings but not {Vendor}{key}.");
            int Int(string key) => int.TryParse(Need(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(key, Need(key), "a whole number");
            int? IntOrNull(string key) => Setting(key) is null ? null : Int(key);
            decimal Decimal(string key) => decimal.TryParse(Need(key), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(key, Need(key), "a number");
        }

        private static readonly HashSet<string> ProtocolKeys =
        [
            "treatment.doseUnit", "treatment.route", "treatment.cycleDays", "treatment.daysOn", "treatment.doseBasisItem", "treatment.unitsDispensedMax",
            "recist.confirmationRequired", "recist.confirmationDays", "recist.stableDiseaseMinimumDays", "recist.baselineWindowDays",
            "softChecks.lesionGrowthPercent", "adverseEvents.ctcaeVersion", "schedule.tumourAssessmentIntervalDays",
        ];

        private static OdmMalformed Bad(string key, string value, string expected) => new("odm", $"{Vendor}{key} is '{value}', not {expected}.");

        private ListIn? ListWithRole(string role) => _lists.Values.FirstOrDefault(l => l.Role == role);

        /// <summary>Space-separated numbers of an alias (an arm's dose levels, a term's grades).</summary>
        private static List<decimal> Decimals(XElement element, string key) =>
            (Alias(element, Vendor + key) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(key, v, "a number")).ToList();

        private static IReadOnlyList<T>? Union<T>(List<T> fromFile, IReadOnlyList<T>? fromBase, Func<T, string> key)
        {
            var all = fromFile.Concat((fromBase ?? []).Where(b => !fromFile.Any(f => StableIds.Same(key(f), key(b))))).ToList();
            return all.Count == 0 ? null : all;
        }

        private List<Visit> ReadVisits(Dictionary<string, string> forms)
        {
            var order = _mdv.Element(Odm + "Protocol")?.Elements(Odm + "StudyEventRef").Select(r => r.Attribute("StudyEventOID")?.Value).ToList() ?? [];
            var events = _mdv.Elements(Odm + "StudyEventDef").OrderBy(e => order.IndexOf(e.Attribute("OID")?.Value) is var i and >= 0 ? i : int.MaxValue).ToList();
            var visits = new List<Visit>();
            foreach (var e in events)
            {
                var where = Describe(e);
                Known(e, ["OID", "Name", "Repeating", "Type"], ["FormRef", "Alias"]);
                var settings = Settings(e, where);
                if (settings.ContainsKey("casebook") || settings.ContainsKey(ProductEventKey)) continue;
                if (!settings.TryGetValue("anchor", out var anchor))
                {
                    Unmapped(where, "ODM gives an event no day or window, so it is not made a visit of the schedule (the schedule comes from the base definition, or is added by an amendment).");
                    continue;
                }
                var names = new List<string>();
                foreach (var formRef in e.Elements(Odm + "FormRef"))
                {
                    Known(formRef, ["FormOID", "Mandatory", "OrderNumber"], []);
                    if (forms.TryGetValue(Required(formRef, "FormOID"), out var name)) names.Add(name);
                    else Unmapped(where, $"FormRef {formRef.Attribute("FormOID")!.Value} names no FormDef; the visit does not expect it.");
                }
                visits.Add(new Visit(Required(e, "Name"), anchor, Day("targetDay"), Day("earliestDay"), Day("latestDay"), names, Optional("repeatEveryDays"), Optional("repeats")));

                int Day(string key) => settings.TryGetValue(key, out var v) ? Whole(key, v) : throw new OdmMalformed("odm", $"{where} has {Vendor}anchor but not {Vendor}{key}.");
                int? Optional(string key) => settings.TryGetValue(key, out var v) ? Whole(key, v) : null;
            }
            return visits;

            static int Whole(string key, string v) => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(key, v, "a whole number");
        }

        private StudyForm? ReadForm(XElement f)
        {
            var where = Describe(f);
            Known(f, ["OID", "Name", "Repeating"], ["ItemGroupRef", "Alias"]);
            var settings = Settings(f, where);
            foreach (var key in settings.Keys.Except(["baseline", "requiredForSignature", "retired"])) Unmapped(where, $"The setting {Vendor}{key} is not one this version knows.");
            var groups = new List<ItemGroup>();
            string? domain = null;
            foreach (var groupRef in Ordered(f.Elements(Odm + "ItemGroupRef")))
            {
                Known(groupRef, ["ItemGroupOID", "Mandatory", "OrderNumber"], []);
                if (!_groupDefs.TryGetValue(Required(groupRef, "ItemGroupOID"), out var g))
                {
                    Unmapped(where, $"ItemGroupRef {groupRef.Attribute("ItemGroupOID")!.Value} names no ItemGroupDef.");
                    continue;
                }
                var groupWhere = Describe(g);
                Known(g, ["OID", "Name", "Repeating", "Domain"], ["Description", "ItemRef"]);
                if (g.Attribute("Domain")?.Value is { } d && domain is not null && d != domain)
                    Unmapped(groupWhere, $"Domain {d} differs from the form's first group ({domain}); a form has one domain.");
                domain ??= g.Attribute("Domain")?.Value;
                var items = new List<Item>();
                foreach (var itemRef in Ordered(g.Elements(Odm + "ItemRef")))
                {
                    Known(itemRef, ["ItemOID", "Mandatory", "OrderNumber"], []);
                    if (!_itemDefs.TryGetValue(Required(itemRef, "ItemOID"), out var itemDef)) Unmapped(groupWhere, $"ItemRef {itemRef.Attribute("ItemOID")!.Value} names no ItemDef.");
                    else if (ReadItem(itemDef, itemRef.Attribute("Mandatory")?.Value == "Yes") is { } item) items.Add(item);
                }
                if (items.Count == 0) { Unmapped(groupWhere, "No item of the group could be mapped; the group is left out."); continue; }
                groups.Add(new ItemGroup(Name(Required(g, "Name")), Text(g.Element(Odm + "Description")) ?? Required(g, "Name"), items, g.Attribute("Repeating")?.Value == "Yes"));
            }
            if (groups.Count == 0)
            {
                Unmapped(where, "No item of the form could be mapped; the form is left out.");
                return null;
            }
            return new StudyForm(FormName(Required(f, "OID")), Required(f, "Name"), groups, f.Attribute("Repeating")?.Value == "Yes",
                settings.ContainsKey("baseline"), settings.ContainsKey("requiredForSignature"), domain, settings.ContainsKey("retired"));
        }

        private Item? ReadItem(XElement x, bool mandatory)
        {
            var where = Describe(x);
            Known(x, ["OID", "Name", "DataType"], ["Question", "MeasurementUnitRef", "RangeCheck", "CodeListRef", "Alias"]);
            var dataType = Required(x, "DataType");
            ItemType? type = dataType switch
            {
                "integer" => ItemType.Integer, "float" => ItemType.Float, "date" => ItemType.Date, "boolean" => ItemType.Boolean, "text" or "string" => ItemType.Text, _ => null,
            };
            if (type is not { } t)
            {
                Unmapped(where, $"DataType {dataType} has no counterpart (integer, float, text, date, boolean); the item is left out.");
                return null;
            }
            var settings = Settings(x, where);
            foreach (var key in settings.Keys.Except(["retired", "notAfter", "notBefore"])) Unmapped(where, $"The setting {Vendor}{key} is not one this version knows.");

            string? unit = null;
            foreach (var unitRef in x.Elements(Odm + "MeasurementUnitRef"))
            {
                var oid = Required(unitRef, "MeasurementUnitOID");
                if (unit is not null) Unmapped(where, $"An item has one unit: {oid} is left out.");
                else if (!_units.TryGetValue(oid, out unit)) Unmapped(where, $"MeasurementUnitRef {oid} names no MeasurementUnit.");
            }
            var (hard, soft) = Ranges(x, t, where);
            string? codeList = null;
            if (x.Element(Odm + "CodeListRef") is { } listRef)
            {
                var oid = Required(listRef, "CodeListOID");
                if (!_lists.TryGetValue(oid, out var list)) Unmapped(where, $"CodeListRef {oid} names no CodeList; the item takes any value.");
                else if (list.Unusable is not null) Unmapped(where, $"Its code list {oid} is left out, so the item takes any value.");
                else if (t != ItemType.Text) Unmapped(where, $"Only text items take their values from a code list; the {dataType} item keeps no list.");
                else codeList = ListId(oid);
            }
            var question = Text(x.Element(Odm + "Question")) ?? Required(x, "Name");
            return new Item(Name(Required(x, "Name")), question, t, mandatory, codeList, unit, hard, soft,
                settings.ContainsKey("retired"), settings.GetValueOrDefault("notAfter"), settings.GetValueOrDefault("notBefore"));
        }

        /// <summary>GE and LE bounds (GT and LT on integers) make the hard and soft ranges; any other check is reported.</summary>
        private (RangeCheck? Hard, RangeCheck? Soft) Ranges(XElement x, ItemType type, string where)
        {
            var bounds = new Dictionary<(bool Soft, bool Max), decimal>();
            foreach (var check in x.Elements(Odm + "RangeCheck"))
            {
                Known(check, ["Comparator", "SoftHard"], ["CheckValue"]);
                var comparator = check.Attribute("Comparator")?.Value;
                var values = check.Elements(Odm + "CheckValue").Select(v => v.Value.Trim()).ToList();
                var said = $"RangeCheck {comparator} {string.Join(' ', values)}".TrimEnd();
                if (type is not (ItemType.Integer or ItemType.Float)) { Unmapped(where, $"{said}: only numbers have ranges here; left out."); continue; }
                if (values.Count != 1 || !decimal.TryParse(values[0], NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
                {
                    Unmapped(where, $"{said}: a range bound is one number; left out.");
                    continue;
                }
                var soft = check.Attribute("SoftHard")?.Value == "Soft";
                (bool Max, decimal Value)? bound = comparator switch
                {
                    "GE" => (false, value), "LE" => (true, value),
                    "GT" when type == ItemType.Integer && value % 1 == 0 => (false, value + 1), "LT" when type == ItemType.Integer && value % 1 == 0 => (true, value - 1),
                    _ => null,
                };
                if (bound is not { } b) Unmapped(where, $"{said}: ranges here are inclusive minimums and maximums (GE, LE; GT and LT on whole numbers); left out.");
                else if (!bounds.TryAdd((soft, b.Max), b.Value)) Unmapped(where, $"{said}: the item already has a {(soft ? "soft" : "hard")} {(b.Max ? "maximum" : "minimum")}; left out.");
            }
            RangeCheck? Range(bool soft) => bounds.ContainsKey((soft, false)) || bounds.ContainsKey((soft, true))
                ? new RangeCheck(bounds.TryGetValue((soft, false), out var min) ? min : null, bounds.TryGetValue((soft, true), out var max) ? max : null)
                : null;
            return (Range(false), Range(true));
        }

        private ListIn ReadList(XElement list)
        {
            var where = Describe(list);
            Known(list, ["OID", "Name", "DataType"], ["CodeListItem", "EnumeratedItem", "ExternalCodeList", "Alias"]);
            var aliases = list.Elements(Odm + "Alias").Select(a => (Context: Required(a, "Context"), Name: Required(a, "Name"))).ToList();
            var role = aliases.FirstOrDefault(a => a.Context == Vendor + "list").Name;
            var cdisc = aliases.FirstOrDefault(a => a.Context == "nci:ExtCodeID").Name;
            foreach (var a in aliases.Where(a => a.Context is not (Vendor + "list" or "nci:ExtCodeID"))) Unmapped(where, $"Alias {a.Context}={a.Name} is not kept.");
            // The aliases a role reads from its items (an arm's dose levels, a term's CTCAE term and codes).
            string[] itemAliases = role switch
            {
                OdmLayout.Roles.Arms => [Vendor + "doseLevels"],
                OdmLayout.Roles.AdverseEventTerms => ["CTCAE", Vendor + "grades", "MedDRA", "MedDRA SOC"],
                OdmLayout.Roles.Eligibility => [Vendor + "kind"],
                _ => [],
            };
            var items = new List<(string, string, XElement)>();
            foreach (var item in list.Elements().Where(e => e.Name == Odm + "CodeListItem" || e.Name == Odm + "EnumeratedItem"))
            {
                Known(item, ["CodedValue", "OrderNumber"], ["Decode", "Alias"]);
                var code = Required(item, "CodedValue");
                foreach (var a in item.Elements(Odm + "Alias").Where(a => !itemAliases.Contains(a.Attribute("Context")?.Value)))
                    Unmapped($"{where} item {code}", $"Alias {a.Attribute("Context")?.Value}={a.Attribute("Name")?.Value} is not kept.");
                items.Add((code, Text(item.Element(Odm + "Decode")) ?? code, item));
            }
            var dataType = Required(list, "DataType");
            string? unusable = null;
            if (list.Element(Odm + "ExternalCodeList") is { } external)
                unusable = $"It refers to an external dictionary ({external.Attribute("Dictionary")?.Value} {external.Attribute("Version")?.Value}) the product cannot read.";
            else if (dataType is not ("text" or "string"))
                unusable = $"A code list of {dataType} values has no counterpart: only text items take their values from a code list.";
            if (unusable is not null) Unmapped(where, unusable + " The list is left out.");
            return new ListIn(Required(list, "OID"), list.Attribute("Name")?.Value ?? ListId(Required(list, "OID")), role, unusable, items, cdisc);
        }

        /// <summary>The Alias settings of ours on an element (context npc-ecrf:key), reporting any other alias as not kept.</summary>
        private Dictionary<string, string> Settings(XElement? element, string where)
        {
            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var alias in element?.Elements(Odm + "Alias") ?? [])
            {
                var (context, name) = (Required(alias, "Context"), Required(alias, "Name"));
                if (context.StartsWith(Vendor, StringComparison.Ordinal)) settings[context[Vendor.Length..]] = name;
                else Unmapped(where, $"Alias {context}={name} is not kept.");
            }
            return settings;
        }

        /// <summary>Reports every attribute and child element outside what the import reads, so nothing is dropped unsaid.</summary>
        private void Known(XElement e, string[] attributes, string[] children)
        {
            foreach (var a in e.Attributes().Where(a => !a.IsNamespaceDeclaration && !attributes.Contains(a.Name.LocalName)))
                Unmapped(Describe(e), $"{a.Name.LocalName}=\"{a.Value}\" is not kept.");
            foreach (var child in e.Elements().Where(c => c.Name.Namespace != Odm || !children.Contains(c.Name.LocalName)))
                Unmapped(Describe(child), $"<{child.Name.LocalName}> in {Describe(e)} has no counterpart in a study definition; it is left out.");
        }

        private void Unmapped(string element, string message) => _unmapped.Add(new OdmFinding(element, message));

        private static IEnumerable<XElement> Ordered(IEnumerable<XElement> refs) =>
            refs.Select((r, i) => (r, Order: int.TryParse(r.Attribute("OrderNumber")?.Value, out var n) ? n : int.MaxValue, i)).OrderBy(x => x.Order).ThenBy(x => x.i).Select(x => x.r);

        private static string Required(XElement e, string attribute) =>
            e.Attribute(attribute)?.Value is { Length: > 0 } value ? value : throw new OdmMalformed("odm", $"{Describe(e)} has no {attribute}.");

        private static string? Alias(XElement e, string context) => e.Elements(Odm + "Alias").FirstOrDefault(a => a.Attribute("Context")?.Value == context)?.Attribute("Name")?.Value;

        /// <summary>How a finding names an element: by its OID, or a reference by the OID it refers to ("ItemRef I.BMI").</summary>
        private static string Describe(XElement e) =>
            new[] { "OID", "ItemOID", "ItemGroupOID", "FormOID", "StudyEventOID", "CodeListOID", "MeasurementUnitOID" }.Select(a => e.Attribute(a)?.Value).FirstOrDefault(v => v is not null) is { } oid
                ? $"{e.Name.LocalName} {oid}"
                : e.Name.LocalName;

        private static string Attr(XElement e, string name) => e.Attribute(name)?.Value ?? "";

        private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

        /// <summary>The English (or unmarked, else the first) TranslatedText of an element.</summary>
        private static string? Text(XElement? parent)
        {
            var texts = parent?.Elements(Odm + "TranslatedText").ToList() ?? [];
            return (texts.FirstOrDefault(t => t.Attribute(XNamespace.Xml + "lang")?.Value is null or "en" || t.Attribute(XNamespace.Xml + "lang")!.Value.StartsWith("en-", StringComparison.OrdinalIgnoreCase))
                ?? texts.FirstOrDefault())?.Value;
        }
    }

    /// <summary>The form a FormDef OID names: F.VITAL_SIGNS is vital-signs (another EDC's F_VS is f-vs).</summary>
    internal static string FormName(string oid)
    {
        var name = oid.StartsWith("F.", StringComparison.OrdinalIgnoreCase) ? oid[2..] : oid;
        return new string(name.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-').ToArray()).TrimStart('-') is { Length: > 0 } n ? n[..Math.Min(40, n.Length)] : "form";
    }

    /// <summary>A group or item name from an ODM Name: letters, digits, '-' and '_' ("Systolic BP" is Systolic_BP).</summary>
    internal static string Name(string name)
    {
        var n = new string(name.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return n[..Math.Min(40, n.Length)];
    }

    /// <summary>A study code list's id from its OID: CL.SEX is SEX.</summary>
    private static string ListId(string oid) => oid.StartsWith("CL.", StringComparison.Ordinal) ? oid[3..] : oid;
}
