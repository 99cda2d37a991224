namespace NpcEcrf.Api.Casebooks;

public static class Sequences
{
    /// <summary>Each element with the one after it: (a, b), (b, c), ...</summary>
    public static IEnumerable<(T First, T Second)> Pairwise<T>(this IEnumerable<T> items)
    {
        using var e = items.GetEnumerator();
        if (!e.MoveNext()) yield break;
        var previous = e.Current;
        while (e.MoveNext())
        {
            yield return (previous, e.Current);
            previous = e.Current;
        }
    }
}
