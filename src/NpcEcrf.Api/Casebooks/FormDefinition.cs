using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Casebooks;

/// <summary>CDISC ODM item data types used by the forms.</summary>
public enum ItemType { Text, Integer, Float, Date, Boolean }

/// <summary>
/// One item of a form: its JSON path in the form's value ("date", "targets[].diameterMm", "targetDiametersMm.*"),
/// its ODM type and question, and the code list, unit and range that the form's checks and the ODM export share.
/// </summary>
/// <param name="SoftMin">Values below are accepted and raise a data query (SoftMax likewise above).</param>
/// <param name="NotAfter">For dates: the anchor (enrolment, first-dose) the date may not follow; NotBefore likewise.</param>
public sealed record FormField(string Path, ItemType Type, string Question, string? Unit = null, IReadOnlyList<string>? CodeList = null,
    decimal? Min = null, decimal? Max = null, bool Identity = false, bool Optional = false,
    decimal? SoftMin = null, decimal? SoftMax = null, string? NotAfter = null, string? NotBefore = null, bool Retired = false);

public enum Severity { Hard, Soft }

/// <summary>What a check may look at: the casebook as it would be after the change, the study, and the site's today.</summary>
public sealed record CheckContext(Casebook Casebook, Study Study, DateOnly Today)
{
    private IReadOnlyList<FormItem>? _items;
    private IReadOnlyList<DatedValue>? _dates;
    private readonly Dictionary<FormRef, StudyDefinition> _definitions = [];

    /// <summary>The definition in force at the site today: what new entries are held to.</summary>
    public StudyDefinition Definition => Study.VersionOn(Today).Definition;

    /// <summary>
    /// The definition a form instance was entered under (data stays valid against its own version); today's for a form
    /// not entered. Looked up once per instance, however many checks ask.
    /// </summary>
    public StudyDefinition DefinitionOf(FormRef form) => Casebook.Entry(form) is not { } entry ? Definition
        : _definitions.TryGetValue(form, out var known) ? known : _definitions[form] = Casebook.DefinitionOf(Study, entry);

    /// <summary>Every item value of every entered form (read once per change, however many checks look).</summary>
    public IReadOnlyList<FormItem> Items => _items ??= CasebookChecks.Items(Casebook, entry => DefinitionOf(entry.Form)).ToList();

    /// <summary>Every date entered in the casebook, on any form, with the form and field that hold it.</summary>
    public IReadOnlyList<DatedValue> Dates => _dates ??= CheckFindings.Dates(Items).ToList();
}

/// <summary>One concrete item value of a form instance, with the field that declares it.</summary>
public sealed record FormItem(FormRef Form, string Path, FormField Field, System.Text.Json.Nodes.JsonNode? Value);

public sealed record DatedValue(FormRef Form, string Field, DateOnly Date);

/// <summary>One finding of a check, named by the form instance and field it concerns.</summary>
public sealed record CheckFinding(string CheckId, FormRef Form, string Field, string Message);

/// <summary>
/// A data rule. Hard checks refuse any change (entry or correction) that would introduce a finding; soft checks
/// accept it and raise a data query. Every check runs on the whole casebook after every change.
/// </summary>
public sealed record Check(string Id, Severity Severity, string Description, Func<CheckContext, IEnumerable<CheckFinding>> Run);

/// <summary>How one event type changes one form instance of the casebook.</summary>
public sealed record EventBinding(Type EventType, Func<object, Casebook, string?> Key, Func<object?, object, object> Apply);

/// <summary>
/// Everything the system knows about one form: its name and key, its items and their ODM metadata, its data checks,
/// whether a signature needs it, the events that fill it and the endpoints that take it. The catalogue finds every
/// definition at start-up; corrections, queries, verification, signatures, the ODM export and the casebook answer
/// all work from it, so a new form is one new folder.
/// </summary>
public abstract class FormDefinition
{
    /// <summary>The form's name in form references ("cycle").</summary>
    public abstract string Name { get; }
    public abstract string Title { get; }
    /// <summary>The type of the form's value in the casebook.</summary>
    public abstract Type ValueType { get; }
    /// <summary>Where the casebook answer shows the form: one object, or a list for repeating forms.</summary>
    public abstract string AnswerProperty { get; }
    /// <summary>Repeating forms are keyed ("cycle/2"); a form entered once has no key.</summary>
    public virtual bool Repeating => false;
    /// <summary>Order of the form in the casebook and the ODM export.</summary>
    public abstract int Order { get; }
    public virtual bool RequiredForSignature => false;
    /// <summary>The form's items, built once (checks read them on every change).</summary>
    public IReadOnlyList<FormField> Fields => _fields ??= DeclaredFields;
    public IReadOnlyList<Check> Checks => _checks ??= DeclaredChecks.ToList();
    public IReadOnlyList<EventBinding> Events => _events ??= DeclaredEvents.ToList();

    protected abstract IReadOnlyList<FormField> DeclaredFields { get; }
    protected virtual IEnumerable<Check> DeclaredChecks => [];
    protected abstract IEnumerable<EventBinding> DeclaredEvents { get; }

    private IReadOnlyList<FormField>? _fields;
    private IReadOnlyList<Check>? _checks;
    private IReadOnlyList<EventBinding>? _events;
    public abstract void MapEndpoints(IEndpointRouteBuilder app);

    /// <summary>The form's items as a study defines them (a code list the study sets, say); most forms' items never vary.</summary>
    public virtual IReadOnlyList<FormField> FieldsIn(StudyDefinition definition) => Fields;

    /// <summary>Lets a form accept an older or shorter field path (an adverse event's "grade" for "report.grade").</summary>
    public virtual string CanonicalField(string field) => field;

    public FormRef Ref(string? key = null) => new(Name, Repeating ? key : null);
}

/// <summary>A form whose value in the casebook is a <typeparamref name="TValue"/>.</summary>
public abstract class FormDefinition<TValue> : FormDefinition where TValue : class
{
    public override Type ValueType => typeof(TValue);

    /// <summary>The event fills the form instance that <paramref name="key"/> names (null for forms entered once).</summary>
    protected static EventBinding On<TEvent>(Func<TEvent, Casebook, string?> key, Func<TValue?, TEvent, TValue> apply) =>
        new(typeof(TEvent), (e, c) => key((TEvent)e, c), (value, e) => apply((TValue?)value, (TEvent)e));

    /// <summary>The event is the form's whole value (forms whose event and value are the same record).</summary>
    protected static EventBinding Entered<TEvent>(Func<TEvent, string?> key) where TEvent : TValue =>
        On<TEvent>((e, _) => key(e), (_, e) => e);

    protected static Check Hard(string id, string description, Func<CheckContext, IEnumerable<CheckFinding>> run) => new(id, Severity.Hard, description, run);
    protected static Check Soft(string id, string description, Func<CheckContext, IEnumerable<CheckFinding>> run) => new(id, Severity.Soft, description, run);
}
