using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>
/// Request timeouts: one timer per channel, armed for the earliest deadline of the requests waiting for an answer,
/// instead of a linked CancellationTokenSource and a timer per request. At 10 Publish requests a second per gateway
/// the per-request timers were a timer-thread wake-up and two allocations each; now the timer fires about once per
/// timeout period (a request answered in time leaves nothing behind), and a request still times out at its deadline.
/// </summary>
public sealed partial class ClientSecureChannel
{
    private readonly Lock _deadlineGate = new();
    private Timer? _deadlineTimer;
    private long _armedForMs = long.MaxValue;
    private bool _deadlinesClosed;

    /// <summary>A request waiting for its answer; <see cref="DueMs"/> (Environment.TickCount64) once it was written.</summary>
    private sealed class PendingRequest(Type requestType, TimeSpan timeout)
    {
        private long _dueMs = long.MaxValue;

        public TaskCompletionSource<IServiceMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long DueMs
        {
            get => Volatile.Read(ref _dueMs);
            set => Volatile.Write(ref _dueMs, value);
        }

        public UaServiceException TimedOut(string endpointUrl) =>
            new(StatusCodes.BadTimeout, $"{endpointUrl}: no answer to {requestType.Name.Replace("Request", "", StringComparison.Ordinal)} within {timeout.TotalSeconds:0.#} s");
    }

    /// <summary>The request's timeout starts now (it was written): the channel's timer fires by its deadline.</summary>
    private void StartTimeout(PendingRequest pending, TimeSpan timeout)
    {
        var due = Environment.TickCount64 + (long)Math.Ceiling(Math.Min(timeout.TotalMilliseconds, int.MaxValue));
        pending.DueMs = due;
        WatchDeadline(due);
    }

    private void WatchDeadline(long dueMs)
    {
        lock (_deadlineGate)
        {
            if (_deadlinesClosed || dueMs >= _armedForMs)
            {
                return;
            }

            _armedForMs = dueMs;
            var wait = Math.Max(0, dueMs - Environment.TickCount64);
            _deadlineTimer ??= new Timer(static state => ((ClientSecureChannel)state!).ExpireOverdueRequests(), this, Timeout.Infinite, Timeout.Infinite);
            _deadlineTimer.Change(wait, Timeout.Infinite);
        }
    }

    /// <summary>The timer's callback: fails every request past its deadline with BadTimeout, re-arms for the next one.</summary>
    private void ExpireOverdueRequests()
    {
        lock (_deadlineGate)
        {
            // From here every new deadline re-arms: a request added after the scan below passed it is not missed.
            _armedForMs = long.MaxValue;
        }

        var now = Environment.TickCount64;
        var next = long.MaxValue;
        foreach (var pending in _pending.Values)
        {
            var due = pending.DueMs;
            if (due <= now)
            {
                pending.Completion.TrySetException(pending.TimedOut(EndpointUrl));
            }
            else
            {
                next = Math.Min(next, due);
            }
        }

        if (next != long.MaxValue)
        {
            WatchDeadline(next);
        }
    }

    private void CloseDeadlines()
    {
        lock (_deadlineGate)
        {
            _deadlinesClosed = true;
            _deadlineTimer?.Dispose();
        }
    }
}
