using NpcEcrf.Api.Tests.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Tests.RuleModel;

/// <summary>"Today" for a date-in-the-future check is the site's own calendar date.</summary>
public class SiteTodayTests
{
    private static readonly Study Study = TestStudies.InMemory("S", [new Site("EAST", "Kiritimati", "Pacific/Kiritimati"), new Site("UTC", "Greenwich")]);
    private static readonly DateTimeOffset Noon = new(2021, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_site_fourteen_hours_ahead_is_already_on_the_next_day() => Assert.Equal(new DateOnly(2021, 6, 2), Study.Today("EAST", Noon));

    [Fact]
    public void a_site_on_utc_is_on_the_utc_date() => Assert.Equal(new DateOnly(2021, 6, 1), Study.Today("UTC", Noon));
}
