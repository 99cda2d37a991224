using JasperFx.Events;

namespace NpcEcrf.Api.Subjects;

/// <summary>
/// Applies not-yet-stored events to a copy of a casebook, through the same Apply methods Marten uses,
/// so a decision can check the casebook it would produce before anything is written.
/// </summary>
public static class CasebookReplay
{
    public static Casebook After(Casebook before, IEnumerable<object> events, string? user = null, DateTimeOffset? now = null)
    {
        var casebook = CasebookForms.Clone(before);
        var version = before.Version;
        foreach (var data in events)
        {
            var wrapped = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
            wrapped.Version = ++version;
            wrapped.StreamId = before.Id;
            wrapped.UserName = user;
            wrapped.Timestamp = now ?? DateTimeOffset.UnixEpoch;
            ((dynamic)casebook).Apply((dynamic)wrapped);
        }
        return casebook;
    }
}
