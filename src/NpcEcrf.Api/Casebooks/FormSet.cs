using System.Runtime.CompilerServices;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.StudyForms;

namespace NpcEcrf.Api.Casebooks;

/// <summary>
/// The forms of one version of a study's definition: every built-in form, then the forms the data manager defined,
/// with their items as that version sets them. Built once per definition version.
/// </summary>
public sealed class FormSet
{
    private static readonly ConditionalWeakTable<StudyDefinition, FormSet> Cache = new();

    public StudyDefinition Definition { get; }
    public IReadOnlyList<FormDefinition> Forms { get; }
    public IReadOnlyList<Check> Checks { get; }
    private readonly Dictionary<string, FormDefinition> _byName;
    private readonly Dictionary<string, IReadOnlyList<FormField>> _fields;

    private FormSet(StudyDefinition definition)
    {
        Definition = definition;
        Forms = [.. FormCatalogue.All, .. definition.StudyForms.Select((f, i) => new StudyFormDefinition(f, definition, 1000 + i))];
        _byName = Forms.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        _fields = Forms.ToDictionary(f => f.Name, f => f.FieldsIn(definition), StringComparer.OrdinalIgnoreCase);
        Checks = [.. CasebookChecks.Generic, .. Forms.SelectMany(f => f.Checks)];
    }

    public static FormSet Of(StudyDefinition definition) => Cache.GetValue(definition, d => new FormSet(d));

    public FormDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The form's items with this definition's code lists and ranges.</summary>
    public IReadOnlyList<FormField> FieldsOf(FormDefinition form) => _fields.TryGetValue(form.Name, out var fields) ? fields : form.Fields;

    public IEnumerable<StudyFormDefinition> StudyForms => Forms.OfType<StudyFormDefinition>();
}
