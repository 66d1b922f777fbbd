using Gateway.Connectors.Modbus;
using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Modbus.Tests;

/// <summary>The source connector against pymodbus: typed tags, coalescing, a bad address isolated, a device that drops off.</summary>
public class ConnectorTests(PymodbusDevice device) : IClassFixture<PymodbusDevice>
{
    [Fact]
    public async Task TagsOfEveryKindReadGoodValuesInFewRequests()
    {
        var options = new ModbusSourceOptions { Host = "127.0.0.1", Port = device.Server.Port, RequestTimeoutMs = 5000, MaxGap = 8 };
        var cdab = device.Addresses[("float32", "cdab")];
        var connector = Collector.Connector(
            options,
            Collector.Tag("power", $"holding:{cdab}", "float32", ByteOrder.Cdab),
            Collector.Tag("count", $"4{device.Addresses[("int32", "cdab")] + 1:0000}", "int32", ByteOrder.Cdab),
            Collector.Tag("model", "holding:200", "string", length: 6),
            Collector.Tag("bit15", "holding:222", bit: 15),
            Collector.Tag("running", "00001"),
            Collector.Tag("door", "discrete:101"),
            Collector.Tag("other-unit", "holding:0", unit: 2));
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        await output.WaitForAsync(r => r.Tag == "power" && r.Quality == Quality.Good && r.Value.AsDouble() == -1234.5, "power is -1234.5");
        await output.WaitForAsync(r => r.Tag == "count" && r.Value.AsInt64() == -123456789, "count is -123456789");
        await output.WaitForAsync(r => r.Tag == "model" && r.Value.AsString() == "LS-XGT K7M", "model is LS-XGT K7M");
        await output.WaitForAsync(r => r.Tag == "bit15" && r.Value.AsBoolean(), "bit15 is set");
        await output.WaitForAsync(r => r.Tag == "running" && r.Value.AsBoolean(), "running is true");
        await output.WaitForAsync(r => r.Tag == "door" && r.Value.AsBoolean(), "door is true");
        await output.WaitForAsync(r => r.Tag == "other-unit" && r.Value.AsInt64() == 2222, "unit 2 reads 2222");
        // power and count are 2 registers apart: one request; then the string, the bit field, a coil, an input, unit 2.
        Assert.Equal(6, connector.RequestsPerPoll["m1/g"]);
        Assert.Equal(ConnectionState.Connected, connector.State);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ABadAddressFailsAloneAfterTheBlockIsSplitOnce()
    {
        var options = new ModbusSourceOptions { Host = "127.0.0.1", Port = device.Server.Port, RequestTimeoutMs = 5000, MaxGap = 20 };
        var connector = Collector.Connector(
            options,
            Collector.Tag("bcd", "holding:209", "bcd16"),
            Collector.Tag("missing", "holding:215"),
            Collector.Tag("bcd32", "holding:220", "bcd32"));
        Assert.Equal(1, connector.RequestsPerPoll["m1/g"]);
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        var missing = await output.WaitForAsync(r => r.Tag == "missing", "missing was read");
        Assert.Equal(Quality.Bad, missing.Quality);
        Assert.Equal(ModbusStatus.BadOutOfRange, missing.StatusCode);
        await output.WaitForAsync(r => r.Tag == "bcd" && r.Quality == Quality.Good && r.Value.AsInt64() == 4321, "bcd is Good 4321");
        await output.WaitForAsync(r => r.Tag == "bcd32" && r.Quality == Quality.Good && r.Value.AsInt64() == 87654321, "bcd32 is Good");
        Assert.Equal(3, connector.RequestsPerPoll["m1/g"]);
        // Later polls keep the split: the neighbours stay Good at every poll.
        var before = output.All.Count(r => r.Tag == "bcd");
        await output.WaitForAsync(_ => output.All.Count(r => r.Tag == "bcd") >= before + 3, "three more polls");
        Assert.All(output.All.Where(r => r.Tag is "bcd" or "bcd32"), r => Assert.Equal(Quality.Good, r.Quality));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ADeviceThatDropsOffIsMarkedBadOnceAndReadAgainWhenItComesBack()
    {
        var spec = new ModbusSpec().Register(1, "hr", 0, "uint16", 4242);
        var port = FreePort.Next();
        var server = await PymodbusServer.StartAsync(spec, port: port);
        var options = new ModbusSourceOptions { Host = "127.0.0.1", Port = port, RequestTimeoutMs = 1000, Reconnect = new() { InitialDelayMs = 200, MaxDelayMs = 1000 } };
        var connector = Collector.Connector(options, Collector.Tag("v", "40001"));
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        try
        {
            await output.WaitForAsync(r => r.Tag == "v" && r.Quality == Quality.Good && r.Value.AsInt64() == 4242, "v is 4242");
            await server.KillAsync();
            await output.WaitForAsync(r => r.StatusCode == ModbusStatus.BadNotConnected, "v is BadNotConnected");
            var lostAt = output.All.Count;
            await using var again = await PymodbusServer.StartAsync(spec, port: port);
            await output.WaitForAsync(r => output.All.Skip(lostAt).Any(x => x.Quality == Quality.Good && x.Value.AsInt64() == 4242), "v is Good again");
            Assert.Equal(1, output.All.Count(r => r.StatusCode == ModbusStatus.BadNotConnected));
            Assert.True(connector.Reconnects >= 1);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task EachPollBoundaryIsReadOnceOnWholeMultiplesOfTheInterval()
    {
        var options = new ModbusSourceOptions { Host = "127.0.0.1", Port = device.Server.Port, RequestTimeoutMs = 5000 };
        var connector = Collector.Connector(options, Collector.Tag("bcd", "holding:209", "bcd16", intervalMs: 100));
        var boundaries = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        connector.PollCompleted += (_, boundary, _) => boundaries.Enqueue(boundary);
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        await output.WaitForAsync(_ => boundaries.Count >= 10, "ten polls");
        await stop.CancelAsync();
        await run;
        var seen = boundaries.ToList();
        Assert.All(seen, b => Assert.Equal(0, b.UtcTicks % TimeSpan.FromMilliseconds(100).Ticks));
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.SequenceEqual(seen.Order()), "boundaries run in order");
    }
}
