using System.Collections.Concurrent;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>
/// At most <paramref name="capacity"/> remembered answers, the oldest forgotten first. Only for answers that never change
/// (where a lock or a data query lives), so a forgotten one is simply asked again; never for "not found", which may change.
/// </summary>
public sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();
    private readonly ConcurrentQueue<TKey> _order = new();

    public int Count => _entries.Count;

    public bool TryGet(TKey key, out TValue value) => _entries.TryGetValue(key, out value!);

    /// <summary>Remembers an answer (the one already remembered wins), forgetting the oldest beyond the capacity.</summary>
    public TValue Remember(TKey key, TValue value)
    {
        if (!_entries.TryAdd(key, value)) return _entries.TryGetValue(key, out var known) ? known : value;
        _order.Enqueue(key);
        while (_entries.Count > capacity && _order.TryDequeue(out var oldest)) _entries.TryRemove(oldest, out _);
        return value;
    }
}
