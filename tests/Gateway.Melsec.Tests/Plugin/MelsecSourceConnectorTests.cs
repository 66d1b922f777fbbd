using System.Collections.Concurrent;
using Gateway.Connectors.Melsec;
using Gateway.Core;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Server;
using Microsoft.Extensions.Logging;

namespace Gateway.Melsec.Tests.Plugin;

/// <summary>The `melsec` source against our MC server (127.0.0.1): values, poll boundaries, end codes named once, a CPU that resets the connection.</summary>
public sealed class MelsecSourceConnectorTests : IAsyncLifetime
{
    private readonly DeviceMemory _memory = new();
    private readonly ListLogger _log = new();
    private readonly CapturingWriter _output = new();
    private readonly CancellationTokenSource _stop = new();
    private McServer _server = null!;

    public Task InitializeAsync()
    {
        _memory.SetInt16(new DeviceAddress(DeviceTypes.D, 100), -5);
        _memory.SetInt32(new DeviceAddress(DeviceTypes.D, 102), 123456);
        _memory.SetFloat32(new DeviceAddress(DeviceTypes.D, 104), 21.5f);
        _memory.SetFloat64(new DeviceAddress(DeviceTypes.D, 500), Math.PI);
        _memory.SetString(new DeviceAddress(DeviceTypes.D, 200), "MOLD-7", 4);
        _memory.SetWord(new DeviceAddress(DeviceTypes.W, 0x1A), 0x1234);
        _memory.SetBit(new DeviceAddress(DeviceTypes.M, 10), true);
        _memory.SetBit(new DeviceAddress(DeviceTypes.X, 0x1F), true);
        _server = McServer.Start(_memory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.DisposeAsync();
    }

    private static SourceTag Tag(string name, string device, string? type = null, int length = 1, int intervalMs = 200) =>
        new("plc", "press-1", "fast", name, TimeSpan.FromMilliseconds(intervalMs), new MelsecGroupOptions(), new MelsecTagAddress { Device = device, Type = type, Length = length }, "melsec", LabelSet.Empty);

    private MelsecSourceConnector Connector(params SourceTag[] tags) => new(
        "plc",
        new MelsecSourceOptions { Host = "127.0.0.1", Port = _server.Port, Reconnect = new() { InitialDelayMs = 100, MaxDelayMs = 500 } },
        tags,
        _log,
        TimeProvider.System);

    [Fact]
    public async Task Every_type_reads_as_the_plc_holds_it_on_whole_poll_boundaries_each_read_once()
    {
        var connector = Connector(
            Tag("state", "D100"),
            Tag("count", "D102", "int32"),
            Tag("temp", "D104", "float32"),
            Tag("pi", "D500", "float64"),
            Tag("mould", "D200", "string", 4),
            Tag("w", "W1A", "uint16"),
            Tag("running", "M10"),
            Tag("input", "X1F"),
            Tag("clock", "SM400"));
        var cycles = new ConcurrentQueue<MelsecPollCycle>();
        connector.PollCompleted += cycles.Enqueue;
        var run = connector.RunAsync(_output, _stop.Token);

        await WaitUntilAsync(() => cycles.Count >= 4);
        await _stop.CancelAsync();
        await run;

        var first = cycles.First().Readings.ToDictionary(r => r.Tag, r => r);
        Assert.Equal(-5, first["state"].Value.AsInt64());
        Assert.Equal(123456, first["count"].Value.AsInt64());
        Assert.Equal(21.5, first["temp"].Value.AsDouble());
        Assert.Equal(Math.PI, first["pi"].Value.AsDouble());
        Assert.Equal("MOLD-7", first["mould"].Value.AsString());
        Assert.Equal(0x1234, first["w"].Value.AsInt64());
        Assert.True(first["running"].Value.AsBoolean());
        Assert.True(first["input"].Value.AsBoolean());
        Assert.False(first["clock"].Value.AsBoolean());
        Assert.All(first.Values, r => Assert.Equal((Quality.Good, "press-1", "melsec"), (r.Quality, r.Machine, r.Measurement)));

        var boundaries = cycles.Select(c => c.Boundary).ToList();
        Assert.All(boundaries, b => Assert.Equal(0, b.UtcTicks % TimeSpan.FromMilliseconds(200).Ticks));
        Assert.Equal(boundaries.Count, boundaries.Distinct().Count());
        Assert.True(boundaries.SequenceEqual(boundaries.Order()));
        Assert.All(cycles, c => Assert.True(c.ReadStarted >= c.Boundary));
        Assert.Equal(ConnectionState.Disconnected, connector.State);
    }

    [Fact]
    public async Task A_refused_device_is_bad_with_its_end_code_named_once_while_the_others_read()
    {
        var connector = Connector(Tag("ok", "D100"), Tag("missing", "D20000"), Tag("count", "D102", "int32"));
        var cycles = new ConcurrentQueue<MelsecPollCycle>();
        connector.PollCompleted += cycles.Enqueue;
        var run = connector.RunAsync(_output, _stop.Token);

        await WaitUntilAsync(() => cycles.Count >= 4);
        await _stop.CancelAsync();
        await run;

        Assert.All(cycles, c =>
        {
            var missing = Assert.Single(c.Readings, r => r.Tag == "missing");
            Assert.Equal((Quality.Bad, MelsecValues.BadOutOfRange), (missing.Quality, missing.StatusCode));
            Assert.Equal(-5, c.Readings.Single(r => r.Tag == "ok").Value.AsInt64());
        });
        var named = Assert.Single(_log.Lines, l => l.Contains("press-1/missing", StringComparison.Ordinal));
        Assert.Contains("C056h DeviceOutOfRange", named, StringComparison.Ordinal);
        var health = ((IReportsHealth)connector).TagHealthOf("press-1")!;
        Assert.Equal((3, 1), (health.Tags, health.BadTags));
        Assert.Contains("C056h", health.FirstBadStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cpu_that_resets_the_connection_marks_the_tags_bad_once_and_is_read_again_after_reconnecting()
    {
        var connector = Connector(Tag("state", "D100"), Tag("running", "M10"));
        var run = connector.RunAsync(_output, _stop.Token);
        await WaitUntilAsync(() => _output.Readings.Any(r => r.Quality == Quality.Good));

        _server.ResetConnections();
        await WaitUntilAsync(() => _output.Readings.Any(r => r.StatusCode == MelsecValues.BadNotConnected));
        var badAt = _output.Readings.Count;
        await WaitUntilAsync(() => _output.Readings.Skip(badAt).Count(r => r.Quality == Quality.Good) >= 4);
        await _stop.CancelAsync();
        await run;

        Assert.Equal(2, _output.Readings.Count(r => r.StatusCode == MelsecValues.BadNotConnected));
        Assert.True(connector.Reconnects >= 1);
        Assert.Single(_log.Lines, l => l.Contains("working again", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 60 s");
            await Task.Delay(50);
        }
    }

    internal sealed class CapturingWriter : IReadingWriter
    {
        private readonly ConcurrentQueue<Reading> _readings = new();

        public IReadOnlyList<Reading> Readings => [.. _readings];

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            foreach (var reading in readings)
            {
                _readings.Enqueue(reading);
            }

            return ValueTask.CompletedTask;
        }
    }

    internal sealed class ListLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
