using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using NpcEcrf.Api.Casebooks;
using NpcEcrf.Api.Dosing;
using NpcEcrf.Api.Survival;
using static NpcEcrf.Api.Tests.Casebooks.SampleCasebook;

namespace NpcEcrf.Api.Tests.Casebooks;

/// <summary>The form catalogue as data, without a database: names, answers, fields and bound events hold together.</summary>
public class CatalogueTests
{
    /// <summary>Repeating forms whose key is their entry number rather than a value of the form: they have no identity field.</summary>
    private static readonly string[] KeyedByEntryOrder = ["contact"];

    public static TheoryData<string> Forms => new(FormCatalogue.All.Select(f => f.Name));

    public static TheoryData<string> RepeatingFormsKeyedByAValue =>
        new(FormCatalogue.All.Where(f => f.Repeating && !KeyedByEntryOrder.Contains(f.Name)).Select(f => f.Name));

    /// <summary>The complete casebook plus the forms it does not need (discontinuation, lost to follow-up, death): one sample of every form.</summary>
    private static readonly Lazy<Casebook> Sample = new(() => With(
        new TreatmentDiscontinued(D("2021-10-01"), DiscontinuationReason.Other, "moved abroad"),
        new LostToFollowUp(D("2021-10-01"), "moved abroad"),
        new DeathRecorded(D("2021-11-01"), "unknown")));

    private static IReadOnlyList<FormEntry> Instances(string form) => Sample.Value.Forms.Where(f => f.Form.Name == form).ToList();

    [Fact]
    public void the_catalogue_has_forms() => Assert.NotEmpty(FormCatalogue.All);

    [Fact]
    public void form_names_are_unique() =>
        Assert.Empty(FormCatalogue.All.GroupBy(f => f.Name).Where(g => g.Count() > 1).Select(g => g.Key));

    [Fact]
    public void answer_properties_are_unique() =>
        Assert.Empty(FormCatalogue.All.GroupBy(f => f.AnswerProperty).Where(g => g.Count() > 1).Select(g => g.Key));

    [Fact]
    public void form_orders_are_unique() =>
        Assert.Empty(FormCatalogue.All.GroupBy(f => f.Order).Where(g => g.Count() > 1).Select(g => g.Key));

    [Theory, MemberData(nameof(Forms))]
    public void a_form_is_found_by_its_name(string form)
    {
        var definition = FormCatalogue.Definition(form);
        Assert.Same(definition, FormCatalogue.Find(form));
        Assert.Equal(form, definition.Ref("k").Name);
        Assert.Equal(definition.Repeating ? "k" : null, definition.Ref("k").Key);
    }

    [Theory, MemberData(nameof(Forms))]
    public void a_form_has_at_least_one_field(string form) => Assert.NotEmpty(FormCatalogue.Definition(form).Fields);

    [Theory, MemberData(nameof(Forms))]
    public void a_form_declares_each_field_path_once(string form) =>
        Assert.Empty(FormCatalogue.Definition(form).Fields.GroupBy(f => f.Path, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));

    [Theory, MemberData(nameof(RepeatingFormsKeyedByAValue))]
    public void a_repeating_form_has_an_identity_field(string form) =>
        Assert.Contains(FormCatalogue.Definition(form).Fields, f => f.Identity);

    [Theory, MemberData(nameof(RepeatingFormsKeyedByAValue))]
    public void a_repeating_instance_is_keyed_by_its_identity_value(string form)
    {
        var identity = FormCatalogue.Definition(form).Fields.First(f => f.Identity && !f.Path.Contains("[]", StringComparison.Ordinal));
        Assert.All(Instances(form), entry =>
        {
            var (_, value) = Assert.Single(FormValues.Values(entry.Value, identity.Path));
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value!.ToJsonString();
            Assert.Equal(entry.Form.Key, text);
        });
    }

    [Fact]
    public void a_form_keyed_by_entry_order_has_no_identity_field_and_numbers_its_instances()
    {
        foreach (var form in KeyedByEntryOrder)
        {
            var definition = FormCatalogue.Definition(form);
            Assert.True(definition.Repeating);
            Assert.DoesNotContain(definition.Fields, f => f.Identity);
        }
        var contacts = With(new ContactRecorded(D("2021-10-01"), "telephone")).Instances<ContactRecorded>().Select(c => c.Form.Key);
        Assert.Equal(["1", "2"], contacts);
    }

    [Theory, MemberData(nameof(Forms))]
    public void the_sample_casebook_has_the_form_with_its_value_type(string form)
    {
        var instances = Instances(form);
        Assert.NotEmpty(instances);
        Assert.All(instances, e => Assert.IsType(FormCatalogue.Definition(form).ValueType, e.Value));
    }

    [Theory, MemberData(nameof(Forms))]
    public void every_field_path_resolves_on_a_sample_value(string form)
    {
        var definition = FormCatalogue.Definition(form);
        var unresolved = definition.Fields.Where(f => !Instances(form).Any(e => FormValues.Values(e.Value, f.Path).Any())).Select(f => f.Path).ToList();
        Assert.True(unresolved.Count == 0, $"{form}: no value at {string.Join(", ", unresolved)}");
    }

    [Theory, MemberData(nameof(Forms))]
    public void every_concrete_path_is_declared_by_its_field(string form)
    {
        var definition = FormCatalogue.Definition(form);
        foreach (var entry in Instances(form))
            foreach (var field in definition.Fields)
                foreach (var (path, _) in FormValues.Values(entry.Value, field.Path))
                    Assert.Equal(field.Path, FormValues.Declared(definition, path)?.Path); // Fields builds new code lists on each call: compare by path
    }

    [Theory, MemberData(nameof(Forms))]
    public void every_value_has_its_item_type_and_code(string form)
    {
        var definition = FormCatalogue.Definition(form);
        foreach (var entry in Instances(form))
            foreach (var field in definition.Fields)
                foreach (var (path, value) in FormValues.Values(entry.Value, field.Path))
                {
                    if (value is null)
                    {
                        Assert.True(field.Optional, $"{entry.Form}.{path} is null but not optional");
                        continue;
                    }
                    var kind = value.GetValueKind();
                    var fits = field.Type switch
                    {
                        ItemType.Text => kind == JsonValueKind.String,
                        ItemType.Date => kind == JsonValueKind.String && DateOnly.TryParseExact(value.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                        ItemType.Integer => kind == JsonValueKind.Number && value.GetValue<decimal>() % 1 == 0,
                        ItemType.Float => kind == JsonValueKind.Number,
                        ItemType.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
                        _ => false,
                    };
                    Assert.True(fits, $"{entry.Form}.{path} = {value.ToJsonString()} is not {field.Type}");
                    if (field.CodeList is { } codes) Assert.Contains(value.GetValue<string>(), codes);
                }
    }

    [Fact]
    public void every_event_type_bound_by_a_form_is_a_record_of_the_api()
    {
        var api = typeof(FormCatalogue).Assembly;
        var bound = FormCatalogue.All.SelectMany(f => f.Events.Select(b => (Form: f, b.EventType))).ToList();
        Assert.NotEmpty(bound);
        Assert.All(bound, b =>
        {
            Assert.Same(api, b.EventType.Assembly);
            Assert.True(b.EventType.IsClass && b.EventType.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null,
                $"{b.EventType.Name} (bound by {b.Form.Name}) is not a record");
            Assert.Same(b.Form, FormCatalogue.ForEvent(b.EventType)?.Form);
        });
        Assert.Empty(bound.GroupBy(b => b.EventType).Where(g => g.Count() > 1).Select(g => g.Key.Name));
    }
}
