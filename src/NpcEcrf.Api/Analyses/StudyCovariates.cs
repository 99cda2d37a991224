using NpcEcrf.Api.Infrastructure;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Analyses;

/// <summary>
/// The analysis's view of a study definition: its arms, and each item of its baseline forms as a covariate by data type
/// (boolean: binary; coded: categorical, the code list's first level the reference; integer or float: continuous).
/// Dates and free text are described in the snapshot but are not factors.
/// </summary>
public static class StudyCovariates
{
    public static IReadOnlyList<StudyArm> Arms(StudyDefinition definition) => definition.Treatment.Arms.Select(a => new StudyArm(a.Code, a.Name)).ToList();

    /// <summary>The baseline items that can be factors, named "form.item" as the snapshot keys them.</summary>
    public static IReadOnlyList<Covariate> Of(StudyDefinition definition) =>
        definition.StudyForms.Where(f => f.Baseline)
            .SelectMany(f => f.Groups.Where(g => !g.Repeating).SelectMany(g => g.Items).Select(i => Describe(definition, $"{f.Name}.{i.Name}", i)))
            .OfType<Covariate>().ToList();

    /// <summary>What a plan may name for this study: the core demographics, the arm where there are several, and the covariates.</summary>
    public static IReadOnlyList<string> FactorNames(StudyDefinition definition) =>
        Factors.Names(Arms(definition), Of(definition));

    private static Covariate? Describe(StudyDefinition definition, string name, Item item)
    {
        var label = item.Question.TrimEnd('?', ' ');
        if (item.CodeList is { } id && definition.CodeList(id) is { Items.Count: > 0 } codes)
            return Covariate.Categorical(name, label, codes.Items.Select(c => new CovariateLevel(c.Code, c.Decode)).ToList());
        return item.DataType switch
        {
            ItemType.Boolean => Covariate.Binary(name, label),
            ItemType.Integer or ItemType.Float => Covariate.Continuous(name, label, item.Unit),
            _ => null,
        };
    }

    /// <summary>A snapshot's baseline value as the covariate's kind wants it: bool, double or code; null where absent or of another type.</summary>
    public static object? Value(Covariate covariate, JsonNode? node)
    {
        if (node is not JsonValue value) return null;
        return (covariate.Kind, value.GetValueKind()) switch
        {
            (CovariateKind.Binary, JsonValueKind.True or JsonValueKind.False) => value.GetValue<bool>(),
            (CovariateKind.Continuous, JsonValueKind.Number) => (double?)JsonNumbers.Decimal(value),
            (CovariateKind.Categorical, JsonValueKind.String) => value.GetValue<string>(),
            (CovariateKind.Categorical, JsonValueKind.Number) => JsonNumbers.Decimal(value)?.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
    }
}
