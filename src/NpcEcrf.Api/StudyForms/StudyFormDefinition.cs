using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.StudyForms;

/// <summary>A form the data manager defined, as the casebook core sees every form: items with their checks' metadata.</summary>
public sealed class StudyFormDefinition(StudyForm form, StudyDefinition definition, int order) : FormDefinition<JsonObject>
{
    public StudyForm Form => form;
    public override string Name => form.Name;
    public override string Title => form.Title;
    /// <summary>Study forms are answered together under "forms", by name.</summary>
    public override string AnswerProperty => form.Name;
    public override bool Repeating => form.Repeating;
    public override int Order => order;
    public override bool RequiredForSignature => form.RequiredForSignature && !form.Retired;

    /// <remarks>A retired item takes no new values, so it cannot be required of a new entry.</remarks>
    protected override IReadOnlyList<FormField> DeclaredFields => StudyFormPaths.Items(form).Select(x => new FormField(
        x.Path, x.Item.DataType, x.Item.Question, x.Item.Unit, x.Item.CodeList is { } id ? definition.CodeList(id)?.Codes : null,
        x.Item.Hard?.Min, x.Item.Hard?.Max, Optional: !x.Item.Mandatory || x.Item.Retired, SoftMin: x.Item.Soft?.Min, SoftMax: x.Item.Soft?.Max,
        NotAfter: x.Item.NotAfter, NotBefore: x.Item.NotBefore, Retired: x.Item.Retired)).ToList();

    protected override IEnumerable<EventBinding> DeclaredEvents => [];

    /// <summary>Entered through the one generic route (<see cref="EnterStudyForm"/>).</summary>
    public override void MapEndpoints(IEndpointRouteBuilder app) { }
}
