using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NpcEcrf.Api.Enrolment;
using NpcEcrf.Api.Signatures;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

/// <summary>A correction as the casebook keeps it: both values, why, and at which version.</summary>
public sealed record CorrectionEntry(string Form, string Field, string OldValue, string NewValue, string Reason, long Version, string? User, DateTimeOffset Timestamp);

/// <summary>A source data verification as it stands; revoked ones stay visible with the version that changed them.</summary>
public sealed record Verification(string Form, string? Field, long VerifiedAtVersion, string? Monitor, long? RevokedAtVersion)
{
    public bool Active => RevokedAtVersion is null;
}

/// <summary>
/// One entered form instance: its reference, its current value, the version of the event that last set it, who
/// entered or changed it (segregation of duties: they may not verify it, close a query on it, or sign for it), and
/// when it was first entered (which says the version of the study's definition it was entered under).
/// </summary>
[JsonConverter(typeof(FormEntryJsonConverter))]
public sealed record FormEntry(FormRef Form, object Value, long Version, IReadOnlyList<string> EnteredBy, DateTimeOffset EnteredAt);

/// <summary>
/// The write model of one subject: every entered form's current value, and the review record (flags, corrections,
/// verifications, signatures). This is what Marten stores (inline); everything derived from it (status, responses,
/// missing forms, signature state) is computed for the reader by <see cref="CasebookView"/>.
/// </summary>
public sealed class Casebook
{
    public Guid Id { get; set; }
    public long Version { get; set; }
    public string StudyId { get; set; } = "";
    public string SiteId { get; set; } = "";
    public string SubjectNumber { get; set; } = "";
    /// <summary>Every entered form instance, in entry order.</summary>
    public List<FormEntry> Forms { get; set; } = [];
    public List<EditCheckFlagged> Flags { get; set; } = [];
    public List<CorrectionEntry> Corrections { get; set; } = [];
    public List<Verification> Verifications { get; set; } = [];
    public List<CasebookSigned> Signatures { get; set; } = [];
    /// <summary>Signatures of the system an ODM file came from: kept as that system recorded them, not re-signed here.</summary>
    public List<OdmImport.OdmSignatureImported> ImportedSignatures { get; set; } = [];
    /// <summary>Annotations (comments and flags) an ODM file brought: the source system's review work.</summary>
    public List<OdmImport.OdmAnnotationImported> Annotations { get; set; } = [];
    /// <summary>Expected forms the site recorded as missed, with the reason (ScheduleTracking/).</summary>
    public List<ScheduleTracking.MissedForm> MissedForms { get; set; } = [];
    /// <summary>The version of the last event that changed clinical data (not flags, verification or signatures).</summary>
    public long LastDataVersion { get; set; }
    /// <summary>The version of the last change to the subject's identity (the enrolment form).</summary>
    public long IdentityVersion { get; set; }

    public static Guid IdFor(string studyId, string subjectNumber) => StableIds.For("subject", studyId, subjectNumber);

    public FormEntry? Entry(FormRef form) => Forms.FirstOrDefault(f => f.Form == form);

    /// <summary>The definition version a form instance was entered under: the one in force at the site on the day it was first entered.</summary>
    public StudyDefinition DefinitionOf(Study study, FormEntry entry) => study.VersionAt(SiteId, entry.EnteredAt).Definition;

    /// <summary>The value of the form entered once whose value type is <typeparamref name="T"/>.</summary>
    public T? One<T>() where T : class => Forms.Select(f => f.Value).OfType<T>().FirstOrDefault();

    /// <summary>Every instance of the repeating form whose value type is <typeparamref name="T"/>, in entry order.</summary>
    public IReadOnlyList<T> All<T>() where T : class => Forms.Select(f => f.Value).OfType<T>().ToList();

    /// <summary>Every instance of the repeating form with its reference.</summary>
    public IEnumerable<(FormRef Form, T Value)> Instances<T>() where T : class =>
        Forms.Where(f => f.Value is T).Select(f => (f.Form, (T)f.Value));

    /// <summary>Everyone who entered or changed any form of the casebook.</summary>
    [JsonIgnore] public IEnumerable<string> DataEnteredBy => Forms.SelectMany(f => f.EnteredBy).Distinct();

    /// <summary>Throws for an imported subject of another EDC, which has no enrolment form: read paths use <see cref="One{T}"/>.</summary>
    [JsonIgnore] public SubjectEnrolled Enrolment => One<SubjectEnrolled>() ?? throw new InvalidOperationException("A casebook starts with its enrolment.");

    /// <summary>Whether the subject has our enrolment form: one imported from another system may not (its forms are the study's own).</summary>
    [JsonIgnore] public bool Enrolled => One<SubjectEnrolled>() is not null;

    public Casebook Clone() => JsonSerializer.Deserialize<Casebook>(JsonSerializer.Serialize(this, CasebookJson.Options), CasebookJson.Options)!;
}

/// <summary>The one JSON shape of casebooks, events and answers (camelCase, enums as names).</summary>
public static class CasebookJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(), new Analysis.NonFiniteAsNull() },
    };
}

/// <summary>Writes a form entry with its form reference, so that reading it back knows the value's type from the catalogue.</summary>
public sealed class FormEntryJsonConverter : JsonConverter<FormEntry>
{
    public override FormEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var form = FormRef.Parse(root.GetProperty("form").GetString()!);
        // Forms a study defined are kept as their JSON; built-in forms as their typed value.
        var type = FormCatalogue.Find(form.Name)?.ValueType ?? typeof(JsonObject);
        var value = root.GetProperty("value").Deserialize(type, options)!;
        var enteredBy = root.TryGetProperty("enteredBy", out var users) ? users.EnumerateArray().Select(u => u.GetString()!).ToList() : [];
        var enteredAt = root.TryGetProperty("enteredAt", out var at) ? at.GetDateTimeOffset() : DateTimeOffset.MinValue;
        return new FormEntry(form, value, root.GetProperty("version").GetInt64(), enteredBy, enteredAt);
    }

    public override void Write(Utf8JsonWriter writer, FormEntry entry, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("form", entry.Form.ToString());
        writer.WritePropertyName("value");
        JsonSerializer.Serialize(writer, entry.Value, entry.Value.GetType(), options);
        writer.WriteNumber("version", entry.Version);
        writer.WriteStartArray("enteredBy");
        foreach (var user in entry.EnteredBy) writer.WriteStringValue(user);
        writer.WriteEndArray();
        writer.WriteString("enteredAt", entry.EnteredAt);
        writer.WriteEndObject();
    }
}
