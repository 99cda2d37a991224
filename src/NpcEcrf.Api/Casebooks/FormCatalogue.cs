namespace NpcEcrf.Api.Casebooks;

/// <summary>Every form definition in the application, found once by reflection; lookups by name, value type and event type.</summary>
public static class FormCatalogue
{
    private static readonly Lazy<IReadOnlyList<FormDefinition>> Definitions = new(() =>
        typeof(FormCatalogue).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsClass: true } && t.IsSubclassOf(typeof(FormDefinition)) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (FormDefinition)Activator.CreateInstance(t)!)
            .OrderBy(d => d.Order)
            .ToList());

    private static readonly Lazy<Dictionary<string, FormDefinition>> ByName = new(() => All.ToDictionary(d => d.Name));
    private static readonly Lazy<Dictionary<Type, (FormDefinition Form, EventBinding Binding)>> ByEvent = new(() =>
        All.SelectMany(d => d.Events.Select(b => (Form: d, Binding: b))).ToDictionary(x => x.Binding.EventType));

    /// <summary>The forms every study has (a study adds its own: <see cref="FormSet"/>).</summary>
    public static IReadOnlyList<FormDefinition> All => Definitions.Value;

    public static FormDefinition Definition(string name) =>
        ByName.Value.TryGetValue(name, out var d) ? d : throw new KeyNotFoundException($"No form '{name}'.");

    public static FormDefinition? Find(string name) => ByName.Value.GetValueOrDefault(name);

    public static FormDefinition For(FormRef form) => Definition(form.Name);

    /// <summary>The form and binding an event fills, or null for events that are not form data (review, flags, corrections).</summary>
    public static (FormDefinition Form, EventBinding Binding)? ForEvent(Type eventType) =>
        ByEvent.Value.TryGetValue(eventType, out var found) ? found : null;

    /// <summary>The forms' own checks.</summary>
    public static IEnumerable<Check> Checks => All.SelectMany(d => d.Checks);


    public static void MapEndpoints(IEndpointRouteBuilder app)
    {
        foreach (var form in All) form.MapEndpoints(app);
    }
}
