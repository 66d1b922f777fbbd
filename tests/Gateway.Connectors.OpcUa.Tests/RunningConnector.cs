using System.Collections.Concurrent;
using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>A connector running in the background for a test, with its readings and its log lines kept.</summary>
internal sealed class RunningConnector : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private RunningConnector(TestSource source, IReadOnlyList<SourceTag> tags, TimeProvider time, Action<OpcUaSourceConnector>? beforeStart, IReadOnlyList<SourceGroup>? groups = null, string? dataDirectory = null)
    {
        Connector = TestSources.Connector(source, tags, Log, time, groups: groups, dataDirectory: dataDirectory);
        beforeStart?.Invoke(Connector);
        _run = Connector.RunAsync(Output, _stop.Token);
    }

    public OpcUaSourceConnector Connector { get; }

    public CollectingWriter Output { get; } = new();

    public LogLines Log { get; } = new();

    /// <param name="time">The connector's clock and timers; the system's unless a test shifts its timers.</param>
    /// <param name="beforeStart">Called before the connector runs (to subscribe to its events).</param>
    public static RunningConnector Start(TestSource source, IReadOnlyList<SourceTag> tags, TimeProvider? time = null, Action<OpcUaSourceConnector>? beforeStart = null) =>
        new(source, tags, time ?? TimeProvider.System, beforeStart);

    /// <summary>A connector that also has configured groups (`discover:` groups without tags) and a data directory (`backfill:` marks).</summary>
    public static RunningConnector Start(TestSource source, IReadOnlyList<SourceTag> tags, IReadOnlyList<SourceGroup> groups, string? dataDirectory = null, TimeProvider? time = null) =>
        new(source, tags, time ?? TimeProvider.System, null, groups, dataDirectory);

    /// <summary>Waits for the readings to satisfy <paramref name="condition"/>; on timeout the message carries the connector's log.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyCollection<Reading>, bool> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Output.WaitUntilAsync(condition, timeout, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nthe connector's log:\n{string.Join("\n", Log.Lines.TakeLast(30))}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}

/// <summary>A logger that keeps every line, so a test can count how often something was said.</summary>
internal sealed class LogLines : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public int Count(string fragment) => Lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
}
