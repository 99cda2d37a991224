using System.Net;
using NpcEcrf.Api.Tests.Infrastructure;

namespace NpcEcrf.Api.Tests.Foundation;

/// <summary>The API reference at /docs carries the product's name and loads nothing from outside the installation.</summary>
public class ApiReferenceTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task the_reference_page_is_the_products_and_names_no_outside_host()
    {
        var page = await app.Anonymous().GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>NpcEcrf API reference", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        var configuration = await (await app.Anonymous().GetAsync("/docs/scalar.aspnetcore.js")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("fonts.scalar.com", configuration);
    }
}
