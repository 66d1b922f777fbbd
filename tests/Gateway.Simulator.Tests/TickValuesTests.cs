using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Tests;

/// <summary>Tick-value mode (load tests): generated values are a pure function of (machine, tag, tick) and can be decoded back.</summary>
public sealed class TickValuesTests
{
    private static object? Value(SimulatedShop shop, string path) =>
        ((VariableNode)shop.AddressSpace.Find(new NodeId(2, path))!).Value.Value.Value;

    [Fact]
    public void GeneratedTagsCarryTheTickFromTheStartTickOn()
    {
        var shop = new SimulatedShop(
            new SimulatorOptions { Machines = 3, TagsPerMachine = 40, TickValues = true, StartTick = 1000 },
            new UaAddressSpace(SimulatorServer.ApplicationUri));
        Assert.Equal(1000, shop.LastTick);
        shop.Step(DateTime.UtcNow);
        shop.Step(DateTime.UtcNow);
        Assert.Equal(1002, shop.LastTick);

        // press-01 is machine index 2; its generated tags are numbered from 1 after its 8 model tags.
        Assert.Equal(TickValues.Of(2, 1, 1002), Value(shop, "press-01/Generated/Tag00001"));
        Assert.Equal(1002, Value(shop, "press-01/Generated/Tag00008"));
        Assert.Equal(false, Value(shop, "press-01/Generated/Tag00009"));
        Assert.NotEqual(Value(shop, "cnc-01/Generated/Tag00001"), Value(shop, "cnc-02/Generated/Tag00001"));
    }

    [Theory]
    [InlineData(0, 1, 0L)]
    [InlineData(7, 13, 123_456L)]
    [InlineData(999, 99_997, 36_000L)]
    [InlineData(3, 8, 77L)]
    public void TheTickIsRecoveredFromTheValueAndAWrongSeriesIsNotAccepted(int machine, int tag, long tick)
    {
        var value = Convert.ToDouble(TickValues.Of(machine, tag, tick), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(tick, TickValues.TickOf(machine, tag, value));
        if (TickValues.DataType(tag) == "Double")
        {
            Assert.Null(TickValues.TickOf(machine + 1, tag, value));
            Assert.Null(TickValues.TickOf(machine, tag, value + 0.0005));
        }
    }

    [Fact]
    public void BooleansAreNotDecodedAndNegativeTickOptionsAreRefused()
    {
        Assert.Null(TickValues.TickOf(0, 9, 1));
        Assert.Contains(new SimulatorOptions { MaxTicks = -1 }.Validate(), p => p.Contains("max-ticks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxTicksStopsTheValuesButNotTheServer()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions
        {
            Port = 0, Machines = 1, TagsPerMachine = 25, RateMs = 20, TickValues = true, MaxTicks = 5,
        });
        await WaitForStepsAsync(simulator, 5);
        await Task.Delay(300);
        Assert.Equal(5, simulator.Steps);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", simulator.Port);
    }

    [Fact]
    public async Task FreezeValuesStopsTheTicks()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions
        {
            Port = 0, Machines = 1, TagsPerMachine = 25, RateMs = 20, TickValues = true,
        });
        await WaitForStepsAsync(simulator, 3);
        simulator.FreezeValues();
        await Task.Delay(200);
        var frozen = simulator.Steps;
        await Task.Delay(300);
        Assert.Equal(frozen, simulator.Steps);
    }

    // Under a loaded machine the 20 ms timer can fire late: wait for the ticks rather than for a time.
    private static async Task WaitForStepsAsync(SimulatorServer simulator, long steps)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (simulator.Steps < steps && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
