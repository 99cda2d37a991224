using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.TumourAssessments;

namespace NpcEcrf.Api.Tests.Clinical;

public class TimeToEventTests
{
    private static readonly DateOnly Origin = new(2021, 1, 1);
    private static VisitResponse V(int day, Response r) => new($"V{day}", Origin.AddDays(day - 1), 10, 0, 0, r, NonTargetStatus.NE, false, r);

    [Fact]
    public void days_count_the_origin_as_day_one_and_months_divide_by_30_4375()
    {
        var pfs = TimeToEvent.Pfs(Origin, [V(43, Response.SD), V(173, Response.PD)], null, new DateOnly(2022, 1, 1));
        Assert.Equal((173, true), (pfs.Days, pfs.Event));
        Assert.Equal(173 / 30.4375, pfs.Months, 12);
    }

    [Fact]
    public void death_before_progression_is_the_event() =>
        Assert.Equal("Death", TimeToEvent.Pfs(Origin, [V(43, Response.SD), V(100, Response.PD)], Origin.AddDays(80), new DateOnly(2022, 1, 1)).Description);

    [Fact]
    public void censoring_is_at_the_last_adequate_assessment_and_ignores_anything_after_the_cutoff()
    {
        var pfs = TimeToEvent.Pfs(Origin, [V(43, Response.SD), V(85, Response.NE), V(127, Response.PD)], null, Origin.AddDays(100));
        Assert.Equal((43, false), (pfs.Days, pfs.Event));
    }

    [Fact]
    public void no_post_baseline_assessment_is_censored_at_day_1() =>
        Assert.Equal(1, TimeToEvent.Pfs(Origin, [], null, new DateOnly(2022, 1, 1)).Days);

    [Fact]
    public void os_censors_at_the_last_date_known_alive_before_the_cutoff()
    {
        var os = TimeToEvent.Os(Origin, Origin.AddDays(400), [Origin.AddDays(100), Origin.AddDays(300)], Origin.AddDays(350));
        Assert.Equal((301, false), (os.Days, os.Event));
    }
}
