using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

/// <summary>The query life cycle as pure decisions: Open -> Answered -> Closed; Cancelled; Closed -> Open.</summary>
public static class DataQueryTransitions
{
    public static Decision Answer(DataQuery q, string text, long? correctionVersion = null) => q.State == DataQueryState.Open
        ? Decision.Accept(new DataQueryAnswered(text, correctionVersion))
        : Rejection.Conflict($"Only an open query can be answered; this one is {q.State}.");

    public static Decision Close(DataQuery q, string? text) => q.State switch
    {
        DataQueryState.Answered => Decision.Accept(new DataQueryClosed(text, Automatic: false)),
        DataQueryState.Open => Rejection.Conflict("Nobody has answered this query yet; it cannot be closed (cancel it instead if it was raised in error)."),
        _ => Rejection.Conflict($"The query is already {q.State}."),
    };

    public static Decision Cancel(DataQuery q, string reason) => q.IsOpen
        ? Decision.Accept(new DataQueryCancelled(reason))
        : Rejection.Conflict($"The query is already {q.State}.");

    public static Decision Reopen(DataQuery q, string reason) => q.State == DataQueryState.Closed
        ? Decision.Accept(new DataQueryReopened(reason))
        : Rejection.Conflict("Only a closed query can be reopened.");

    /// <summary>An edit check that no longer fires: the correction answers the query and closes it.</summary>
    public static IReadOnlyList<object> CloseAutomatically(DataQuery q, long correctionVersion) => q.State switch
    {
        DataQueryState.Open => [new DataQueryAnswered($"Resolved by the change at casebook version {correctionVersion}.", correctionVersion), new DataQueryClosed("Edit check cleared.", true)],
        DataQueryState.Answered => [new DataQueryClosed("Edit check cleared.", true)],
        _ => [],
    };
}
