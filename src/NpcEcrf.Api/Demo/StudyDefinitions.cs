using System.Text.Json;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Demo;

/// <summary>
/// The demo studies' definitions as a data manager would write them (Demo/Studies/NAME.json beside the application),
/// read as strictly as the API reads a posted definition.
/// </summary>
public static class StudyDefinitions
{
    public const string Reference = "anlo-npc";

    public static readonly JsonSerializerOptions Strict = CreateStrict();

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Demo", "Studies", name + ".json");

    public static StudyDefinition Load(string name) =>
        JsonSerializer.Deserialize<StudyDefinition>(File.ReadAllText(PathOf(name)), Strict) ?? throw new InvalidDataException($"{PathOf(name)} is empty.");

    private static JsonSerializerOptions CreateStrict()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        StrictJson.Configure(options);
        return options;
    }
}
