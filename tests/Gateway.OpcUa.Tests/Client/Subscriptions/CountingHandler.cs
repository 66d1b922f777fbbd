using System.Collections.Concurrent;
using Gateway.OpcUa.Client.Subscriptions;

namespace Gateway.OpcUa.Tests.Client.Subscriptions;

/// <summary>
/// A notification handler that records what it was given: each message's sequence number and the counter values by
/// client handle, in the order handled. <see cref="FailOnce"/> makes it throw once for one message.
/// </summary>
internal sealed class CountingHandler
{
    private readonly Lock _lock = new();
    private readonly List<(uint Sequence, bool Republished)> _messages = [];
    private readonly Dictionary<uint, List<int>> _values = [];

    /// <summary>Throw (once) for the message after this many have been handled.</summary>
    public int? FailOnce { get; set; }

    public uint? FailedSequence { get; private set; }

    public IReadOnlyList<(uint Sequence, bool Republished)> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public int Count(uint handle)
    {
        lock (_lock)
        {
            return _values.TryGetValue(handle, out var list) ? list.Count : 0;
        }
    }

    public List<int> Values(uint handle)
    {
        lock (_lock)
        {
            return _values.TryGetValue(handle, out var list) ? [.. list] : [];
        }
    }

    public ValueTask HandleAsync(SubscriptionNotification notification, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (FailOnce == _messages.Count && FailedSequence is null)
            {
                FailedSequence = notification.SequenceNumber;
                throw new IOException($"the handler's store is unavailable for message {notification.SequenceNumber}");
            }

            _messages.Add((notification.SequenceNumber, notification.Republished));
            foreach (var change in notification.DataChanges)
            {
                if (!_values.TryGetValue(change.ClientHandle, out var list))
                {
                    _values[change.ClientHandle] = list = [];
                }

                list.Add(change.Value.Value.TryGetInt64(out var value) ? (int)value : int.MinValue);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Counter values that do not follow the one before by exactly 1 (a lost or repeated change), per handle.</summary>
    public (int Gaps, string Example) CheckConsecutive()
    {
        lock (_lock)
        {
            var gaps = 0;
            var example = "";
            foreach (var (handle, list) in _values)
            {
                for (var i = 1; i < list.Count; i++)
                {
                    if (list[i] != list[i - 1] + 1)
                    {
                        gaps++;
                        example = $"handle {handle}: {list[i - 1]} then {list[i]}";
                    }
                }
            }

            return (gaps, example);
        }
    }
}
