using System.Collections.Concurrent;

using Microsoft.Extensions.Logging;

namespace Gateway.Testing;

/// <summary>A logger factory that keeps every line, so tests can assert what an operator would read.</summary>
public sealed class TestLog : ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Lines => [.. _lines];

    public IEnumerable<string> Warnings => Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => l.Text);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(TestLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
