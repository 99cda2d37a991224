using JasperFx.Events;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.DataQueries;

/// <summary>ODM 2.0 query states (Candidate and Resolved are not used here).</summary>
public enum DataQueryState { Open, Answered, Closed, Cancelled }
public enum DataQueryOrigin { Manual, EditCheck }

public sealed record DataQueryRaised(string StudyId, string SiteId, string SubjectNumber, string Form, string Field, long ValueVersion,
    string Text, DataQueryOrigin Origin, string? CheckId);
public sealed record DataQueryAnswered(string Text, long? CorrectionVersion);
public sealed record DataQueryClosed(string? Text, bool Automatic);
public sealed record DataQueryCancelled(string Reason);
public sealed record DataQueryReopened(string Reason);

public sealed record DataQueryMessage(string Kind, string? Text, string? User, DateTimeOffset At);

/// <summary>
/// A data clarification query on one data point (subject, form, field, and the stream version of the event
/// that holds the value). Its own stream; this is its inline snapshot.
/// </summary>
public sealed record DataQuery(
    Guid Id, string StudyId, string SiteId, string SubjectNumber, string Form, string Field, long ValueVersion,
    DataQueryOrigin Origin, string? CheckId, DataQueryState State, DateTimeOffset RaisedAt, string? RaisedBy,
    DateTimeOffset? ClosedAt, IReadOnlyList<DataQueryMessage> Messages, long Version)
{
    public static DataQuery Create(IEvent<DataQueryRaised> e) => new(
        e.StreamId, e.Data.StudyId, e.Data.SiteId, e.Data.SubjectNumber, e.Data.Form, e.Data.Field, e.Data.ValueVersion,
        e.Data.Origin, e.Data.CheckId, DataQueryState.Open, e.Timestamp, e.UserName, null,
        [new DataQueryMessage("raised", e.Data.Text, e.UserName, e.Timestamp)], e.Version);

    public DataQuery Apply(IEvent<DataQueryAnswered> e) => Step(e, DataQueryState.Answered, "answered", e.Data.Text) with { };
    public DataQuery Apply(IEvent<DataQueryClosed> e) => Step(e, DataQueryState.Closed, e.Data.Automatic ? "closed automatically" : "closed", e.Data.Text) with { ClosedAt = e.Timestamp };
    public DataQuery Apply(IEvent<DataQueryCancelled> e) => Step(e, DataQueryState.Cancelled, "cancelled", e.Data.Reason);
    public DataQuery Apply(IEvent<DataQueryReopened> e) => Step(e, DataQueryState.Open, "reopened", e.Data.Reason) with { ClosedAt = null };

    private DataQuery Step(IEvent e, DataQueryState state, string kind, string? text) =>
        this with { State = state, Messages = [.. Messages, new DataQueryMessage(kind, text, e.UserName, e.Timestamp)] };

    /// <summary>One step of the life cycle, for replays outside Marten (lock snapshots).</summary>
    public DataQuery Replay(IEvent e) => e switch
    {
        IEvent<DataQueryAnswered> answered => Apply(answered),
        IEvent<DataQueryClosed> closed => Apply(closed),
        IEvent<DataQueryCancelled> cancelled => Apply(cancelled),
        IEvent<DataQueryReopened> reopened => Apply(reopened),
        _ => this,
    };

    public bool IsOpen => State is DataQueryState.Open or DataQueryState.Answered;

    public static Guid IdFor(Guid subjectId, string checkId, string form, string field, long version) =>
        StableIds.For("data-query", subjectId.ToString(), checkId, form, field, version.ToString());
}
