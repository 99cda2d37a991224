using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.DataQueries;

/// <summary>The query life cycle as pure decisions: Open -> Answered -> Closed; Answered -> Open (re-query); Cancelled; Closed -> Open.</summary>
public static class DataQueryTransitions
{
    public static Decision Answer(DataQuery q, string text) => q.State == DataQueryState.Open
        ? Decision.Accept(new DataQueryAnswered(text, null))
        : Rejection.Conflict($"Only an open query can be answered; this one is {q.State}.");

    /// <summary>A correction answers an open query, or completes one already answered in words.</summary>
    public static Decision AnswerWithCorrection(DataQuery q, string text, long correctionVersion) => q.IsOpen
        ? Decision.Accept(new DataQueryAnswered(text, correctionVersion))
        : Rejection.Conflict($"The data query is {q.State}.");

    public static Decision Close(DataQuery q, string? text) => q.State switch
    {
        DataQueryState.Answered => Decision.Accept(new DataQueryClosed(text, Automatic: false)),
        DataQueryState.Open => Rejection.Conflict("Nobody has answered this query yet; it cannot be closed (cancel it instead if it was raised in error)."),
        _ => Rejection.Conflict($"The query is already {q.State}."),
    };

    public static Decision Cancel(DataQuery q, string reason) => q.IsOpen
        ? Decision.Accept(new DataQueryCancelled(reason))
        : Rejection.Conflict($"The query is already {q.State}.");

    /// <summary>A reviewer re-queries an answer that does not settle it, or reopens a closed query.</summary>
    public static Decision Reopen(DataQuery q, string reason) => q.State is DataQueryState.Closed or DataQueryState.Answered
        ? Decision.Accept(new DataQueryReopened(reason))
        : Rejection.Conflict($"Only an answered or closed query can be reopened; this one is {q.State}.");

    /// <summary>An edit check that no longer fires: the correction answers the query and closes it.</summary>
    public static IReadOnlyList<object> CloseAutomatically(DataQuery q, long correctionVersion) => q.State switch
    {
        DataQueryState.Open => [new DataQueryAnswered($"Resolved by the change at casebook version {correctionVersion}.", correctionVersion), new DataQueryClosed("Edit check cleared.", true)],
        DataQueryState.Answered => [new DataQueryClosed("Edit check cleared.", true)],
        _ => [],
    };
}
