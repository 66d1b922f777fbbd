using Microsoft.Extensions.Logging;

namespace Gateway.Host.WebConsole;

/// <summary>One log line kept for the console's Logs page.</summary>
public sealed record LogLine(DateTimeOffset At, string Level, string Category, string Message);

/// <summary>
/// A logger provider that keeps the last <see cref="Capacity"/> lines in memory for the console's Logs page. Registered
/// with the other providers, so it is wrapped like them: no secret reaches it.
/// </summary>
public sealed class RecentLogLines : ILoggerProvider
{
    public const int Capacity = 1000;

    private readonly LogLine[] _lines = new LogLine[Capacity];
    private int _next;
    private int _count;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public IReadOnlyList<LogLine> Snapshot()
    {
        lock (_lines)
        {
            var lines = new List<LogLine>(_count);
            for (var i = 0; i < _count; i++)
            {
                lines.Add(_lines[(_next - _count + i + Capacity) % Capacity]);
            }

            return lines;
        }
    }

    private void Add(LogLine line)
    {
        lock (_lines)
        {
            _lines[_next] = line;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(RecentLogLines lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // The factory's filters (logging.level and overrides) decide what reaches here.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += " " + exception.Message;
            }

            lines.Add(new LogLine(DateTimeOffset.Now, logLevel.ToString(), category, message));
        }
    }
}
