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

    /// <summary>Rebuilds a casebook from its stored events (in version order), as Marten's snapshot does.</summary>
    public static Casebook? Build(IEnumerable<IEvent> events)
    {
        Casebook? casebook = null;
        foreach (var e in events)
        {
            if (casebook is null)
            {
                if (e is not IEvent<Enrolment.SubjectEnrolled> enrolled) return null;
                casebook = Casebook.Create(enrolled);
                continue;
            }
            ((dynamic)casebook).Apply((dynamic)e);
        }
        return casebook;
    }
}
