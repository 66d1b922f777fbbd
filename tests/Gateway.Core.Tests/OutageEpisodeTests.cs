using Microsoft.Extensions.Logging;

namespace Gateway.Core.Tests;

public sealed class OutageEpisodeTests
{
    [Theory]
    [InlineData("connection refused", "connection refused.")]
    [InlineData("is the broker running on this port?", "is the broker running on this port?")]
    [InlineData("connection refused (is the server listening on this port?)", "connection refused (is the server listening on this port?)")]
    [InlineData("retried.;", "retried.")]
    [InlineData("timed out; ", "timed out.")]
    [InlineData("no InfluxDB at http://127.0.0.1:8086 (optional)", "no InfluxDB at http://127.0.0.1:8086 (optional).")]
    public void A_composed_message_ends_its_sentence_once(string text, string expected) => Assert.Equal(expected, Sentence.End(text));

    [Theory]
    [InlineData(12.34, "12.3 s")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(3 * 3600 + 20 * 60 + 7, "3 h 20 min")]
    public void Durations_read_as_an_operator_says_them(double seconds, string expected) =>
        Assert.Equal(expected, Sentence.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void An_outage_is_one_warning_then_one_line_per_new_cause_and_one_line_when_it_ends()
    {
        var clock = new ManualTime(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
        var log = new Lines();
        var outage = new OutageEpisode(log, clock, "sink influxdb");

        for (var i = 0; i < 100; i++)
        {
            outage.Failed("connection refused", "Readings wait in the buffer");
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        outage.Failed("401 unauthorized", "Readings wait in the buffer");
        Assert.Equal(clock.Start, outage.Since);
        var lasted = outage.Recovered(() => "1,200 readings waited");
        Assert.Null(outage.Recovered()); // nothing to end twice

        Assert.Equal(TimeSpan.FromSeconds(3000), lasted);
        Assert.Equal(["sink influxdb: connection refused. Readings wait in the buffer."], log.At(LogLevel.Warning));
        Assert.Equal(["sink influxdb: still failing, now: 401 unauthorized.", "sink influxdb: working again after 50 min 0 s (101 failed attempt(s)); 1,200 readings waited."], log.At(LogLevel.Information));
        Assert.Equal(99, log.At(LogLevel.Debug).Count);
        Assert.False(outage.InProgress);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public DateTimeOffset Start { get; } = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class Lines : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<string> At(LogLevel level) => _lines.Where(l => l.Level == level).Select(l => l.Message).ToList();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Add((logLevel, formatter(state, exception)));
    }
}
