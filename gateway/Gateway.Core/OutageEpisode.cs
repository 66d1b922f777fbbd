using Microsoft.Extensions.Logging;

namespace Gateway.Core;

/// <summary>
/// One outage, logged as an operator wants to read it: a warning when it starts (with the cause and what happens
/// meanwhile), nothing more while the same thing keeps failing (retries go to Debug), one line when the cause changes,
/// and one line when it ends, with how long it lasted. A night-long outage is three lines, not three thousand.
/// Thread-safe; the clock is the injected one.
/// </summary>
public sealed class OutageEpisode
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _subject;
    private readonly Lock _lock = new();
    private DateTimeOffset? _since;
    private string? _cause;
    private string? _kind;
    private long _failures;

    private readonly LogLevel _startLevel;

    /// <param name="subject">Who fails, as the log line starts: "sink influxdb", "source cnc-line-1".</param>
    /// <param name="startLevel">The level of the line that opens an outage: Warning, unless another part already says it.</param>
    public OutageEpisode(ILogger logger, TimeProvider time, string subject, LogLevel startLevel = LogLevel.Warning)
    {
        _logger = logger;
        _time = time;
        _subject = subject;
        _startLevel = startLevel;
    }

    /// <summary>When the running outage started; null while all is well.</summary>
    public DateTimeOffset? Since
    {
        get
        {
            lock (_lock)
            {
                return _since;
            }
        }
    }

    public bool InProgress => Since is not null;

    /// <summary>What the last failure of the running outage said; null while all is well.</summary>
    public string? Cause
    {
        get
        {
            lock (_lock)
            {
                return _cause;
            }
        }
    }

    /// <summary>Records one failure. <paramref name="meanwhile"/> says what happens until it ends ("readings wait in the buffer").</summary>
    /// <param name="kind">
    /// What counts as the same cause (a status name, say), for causes whose text varies from one failure to the next:
    /// a server that sends a different malformed frame each time is still one cause. Default: the text itself.
    /// </param>
    public void Failed(string cause, string meanwhile, string? kind = null)
    {
        LogLevel level;
        kind ??= cause;
        lock (_lock)
        {
            _failures++;
            if (_since is null)
            {
                _since = _time.GetUtcNow();
                level = LogLevel.Warning;
            }
            else
            {
                level = string.Equals(_kind, kind, StringComparison.Ordinal) ? LogLevel.Debug : LogLevel.Information;
            }

            _cause = cause;
            _kind = kind;
        }

        if (level == LogLevel.Warning)
        {
            _logger.Log(_startLevel, "{Subject}: {Cause} {Meanwhile}", _subject, Sentence.End(cause), Sentence.End(meanwhile));
        }
        else if (level == LogLevel.Information)
        {
            _logger.LogInformation("{Subject}: still failing, now: {Cause}", _subject, Sentence.End(cause));
        }
        else
        {
            _logger.LogDebug("{Subject}: still failing: {Cause}", _subject, Sentence.End(cause));
        }
    }

    /// <summary>Ends the running outage, if any, with one line; <paramref name="detail"/> adds what waited meanwhile.</summary>
    /// <returns>How long the outage lasted, or null if there was none.</returns>
    public TimeSpan? Recovered(Func<string>? detail = null)
    {
        DateTimeOffset since;
        long failures;
        lock (_lock)
        {
            if (_since is not { } start)
            {
                return null;
            }

            since = start;
            failures = _failures;
            _since = null;
            _cause = null;
            _kind = null;
            _failures = 0;
        }

        var lasted = _time.GetUtcNow() - since;
        var extra = detail?.Invoke();
        _logger.LogInformation(
            "{Subject}: working again after {Duration} ({Failures} failed attempt(s)){Detail}",
            _subject,
            Sentence.Duration(lasted),
            failures,
            string.IsNullOrEmpty(extra) ? "." : "; " + Sentence.End(extra));
        return lasted;
    }
}

/// <summary>Small helpers that keep composed messages free of doubled punctuation ("port?." or ".;").</summary>
public static class Sentence
{
    /// <summary>The text as one sentence: trailing separators removed, a full stop added unless it already ends one.</summary>
    public static string End(string text)
    {
        var trimmed = text.Trim().TrimEnd(';', ',', ':').TrimEnd();
        if (trimmed.Length == 0)
        {
            return trimmed;
        }

        var last = trimmed[^1];
        if (last is '.' or '!' or '?')
        {
            return trimmed;
        }

        // "(is the server running?)" already ends its sentence inside the brackets.
        if (last == ')' && trimmed.Length >= 2 && trimmed[^2] is '.' or '?' or '!')
        {
            return trimmed;
        }

        return trimmed + ".";
    }

    /// <summary>A duration as an operator reads it: "45 s", "12 min 5 s", "3 h 20 min".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration.TotalSeconds < 60 ? FormattableString.Invariant($"{duration.TotalSeconds:0.#} s")
            : duration.TotalMinutes < 60 ? FormattableString.Invariant($"{(int)duration.TotalMinutes} min {duration.Seconds} s")
            : FormattableString.Invariant($"{(int)duration.TotalHours} h {duration.Minutes} min");
    }
}
