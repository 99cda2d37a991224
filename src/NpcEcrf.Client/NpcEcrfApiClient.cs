using System.Net.Http.Headers;

namespace NpcEcrf.Client;

/// <summary>
/// The caller's side of the generated client (obj/generated/NpcEcrfApiClient.g.cs): the bearer token and the
/// correlation id it sends with every request, so that one HttpClient can serve several users, each with a client of
/// their own.
/// </summary>
public partial class NpcEcrfApiClient
{
    /// <summary>The access token from <see cref="IssueTokenAsync(IssueToken, string?, CancellationToken)"/>; none is sent while null.</summary>
    public string? AccessToken { get; set; }

    /// <summary>Makes the X-Correlation-Id of each request that does not give its own.</summary>
    public Func<string>? CorrelationId { get; set; }

    partial void PrepareRequest(HttpClient client, HttpRequestMessage request, string url)
    {
        if (AccessToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        if (CorrelationId is not null && !request.Headers.Contains("X-Correlation-Id")) request.Headers.Add("X-Correlation-Id", CorrelationId());
    }
}
