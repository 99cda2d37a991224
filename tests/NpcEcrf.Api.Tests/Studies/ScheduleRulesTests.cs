using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Studies;

/// <summary>A schedule that contradicts itself is refused naming the visit; a sound one passes. No database.</summary>
public class ScheduleRulesTests
{
    private static Visit Weekly(string name) => new(name, Anchors.FirstDose, 1, 1, 3, ["ecog"], RepeatEveryDays: 7, Repeats: 4);
    private static Visit Once(string name, int target = 29, int earliest = 26, int latest = 32) => new(name, Anchors.FirstDose, target, earliest, latest, ["ecog"]);

    private static Dictionary<string, string[]> Problems(params Visit[] visits) =>
        DefinitionRules.Problems(TestStudies.Reference with { Schedule = new Schedule(visits, 42) });

    [Fact]
    public void a_sound_schedule_has_no_problems() => Assert.Empty(Problems(Weekly("W"), Once("EOT")));

    [Fact]
    public void a_window_that_ends_before_it_starts_is_named() =>
        Assert.Contains("schedule.visits[0].latestDay", Problems(Once("V", 10, 12, 8)).Keys);

    [Fact]
    public void a_target_outside_its_own_window_is_named() =>
        Assert.Contains("schedule.visits[0].targetDay", Problems(Once("V", 40, 26, 32)).Keys);

    [Theory]
    [InlineData("W1")]
    [InlineData("W12")]
    public void a_visit_whose_name_repeats_a_repeating_visits_keys_is_named(string other) =>
        Assert.Contains("schedule.visits[0].name", Problems(Weekly("W"), Once(other)).Keys);

    [Fact]
    public void a_repeating_visit_named_with_a_final_digit_is_named() =>
        Assert.Contains("schedule.visits[0].name", Problems(Weekly("C1")).Keys);

    [Fact]
    public void a_visit_may_not_take_the_tumour_assessments_name() =>
        Assert.Contains("schedule.visits[0].name", Problems(Once("tumour-assessments")).Keys);

    [Fact]
    public void a_visit_beyond_ten_years_of_its_anchor_is_named() =>
        Assert.Contains("schedule.visits[0]", Problems(Once("FAR", 4000, 3990, 4010)).Keys);

    [Fact]
    public void repeats_reaching_beyond_ten_years_are_named() =>
        Assert.Contains("schedule.visits[0]", Problems(Weekly("W") with { Repeats = 600 }).Keys);
}
