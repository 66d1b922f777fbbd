namespace Gateway.OpcUa.Client.Subscriptions;

/// <summary>
/// A subscription's monitored items by client handle. A client that numbers its items 0, 1, 2, ... (the gateway does)
/// gets an array indexed by the handle, 24 bytes an item, sized once per call that adds items; a handle far beyond the
/// others (a client is free to choose any) goes to a dictionary instead. Not thread-safe: the subscription locks.
/// </summary>
internal sealed class MonitoredItemTable
{
    // A handle is kept in the array while it is below twice the items held plus this floor: the array stays at most
    // about twice the items (and this floor) however the client numbers them.
    private const int DenseFloor = 1024;

    private MonitoredItem[] _dense = [];
    private Dictionary<uint, MonitoredItem>? _sparse;

    public int Count { get; private set; }

    /// <summary>The items in handle order, those with far-off handles last.</summary>
    public IEnumerable<MonitoredItem> Values
    {
        get
        {
            foreach (var item in _dense)
            {
                if (item.NodeId is not null)
                {
                    yield return item;
                }
            }

            foreach (var item in _sparse?.Values ?? Enumerable.Empty<MonitoredItem>())
            {
                yield return item;
            }
        }
    }

    /// <summary>Room for <paramref name="adding"/> items up to this handle, in one step rather than one doubling at a time.</summary>
    public void Reserve(uint highestHandle, int adding)
    {
        if (highestHandle >= _dense.Length && IsDense(highestHandle, adding))
        {
            Grow((int)highestHandle + 1);
        }
    }

    /// <summary>Adds the item, or replaces the one with its client handle.</summary>
    public void Set(MonitoredItem item)
    {
        var handle = item.ClientHandle;
        if (handle >= _dense.Length && _sparse?.ContainsKey(handle) != true && IsDense(handle, 1))
        {
            Grow(Math.Max((int)handle + 1, Math.Min(_dense.Length * 2, (2 * (Count + 1)) + DenseFloor)));
        }

        if (handle < _dense.Length)
        {
            Count += _dense[handle].NodeId is null ? 1 : 0;
            _dense[handle] = item;
            return;
        }

        _sparse ??= [];
        Count += _sparse.ContainsKey(handle) ? 0 : 1;
        _sparse[handle] = item;
    }

    public bool TryGet(uint handle, out MonitoredItem item)
    {
        if (handle < _dense.Length)
        {
            item = _dense[handle];
            return item.NodeId is not null;
        }

        item = default;
        return _sparse?.TryGetValue(handle, out item) == true;
    }

    public bool Remove(uint handle)
    {
        if (handle < _dense.Length)
        {
            if (_dense[handle].NodeId is null)
            {
                return false;
            }

            _dense[handle] = default;
            Count--;
            return true;
        }

        if (_sparse?.Remove(handle) == true)
        {
            Count--;
            return true;
        }

        return false;
    }

    public void Clear()
    {
        _dense = [];
        _sparse = null;
        Count = 0;
    }

    private bool IsDense(uint handle, int adding) => handle < (2L * (Count + adding)) + DenseFloor;

    /// <summary>A longer array; items of the dictionary whose handles it now covers move into it (a handle is in one place only).</summary>
    private void Grow(int length)
    {
        Array.Resize(ref _dense, length);
        if (_sparse is null)
        {
            return;
        }

        foreach (var handle in _sparse.Keys.Where(h => h < length).ToList())
        {
            _dense[handle] = _sparse[handle];
            _sparse.Remove(handle);
        }
    }
}
