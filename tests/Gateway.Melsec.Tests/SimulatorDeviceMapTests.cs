using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Simulator;

namespace Gateway.Melsec.Tests;

/// <summary>The simulator's MELSEC PLC holds every machine the map promises (up to MelsecDeviceMap.MaxMachines).</summary>
public sealed class SimulatorDeviceMapTests
{
    [Fact]
    public async Task A_simulator_of_100_machines_starts_and_the_last_machines_bits_and_words_are_read_over_MC_protocol()
    {
        // 100 machines own M0..M9999: past a Q CPU's default 8,192 M bits, which once ended the simulator at start.
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, MelsecPort = 0, Machines = 100, RateMs = 3_600_000 });
        var map = simulator.MelsecMap!;
        var lastBit = map.Points.Where(p => p.Type == "bit").MaxBy(p => p.Device.Number)!;
        var lastState = map.Points.Where(p => p.Type == "int16").MaxBy(p => p.Device.Number)!;
        Assert.True(lastBit.Device.Number >= 8192, $"the last machine's bit is {lastBit.Device}");
        Assert.Equal(9900, lastState.Device.Number);

        await using var client = await McClient.ConnectAsync("127.0.0.1", simulator.Melsec!.Port, new McClientOptions(), CancellationToken.None);
        var bits = await client.ReadBitsAsync(lastBit.Device, 1, CancellationToken.None);
        Assert.Equal(simulator.Melsec.Memory.GetBit(lastBit.Device), bits[0]);
        var words = await client.ReadWordsAsync(lastState.Device, 1, CancellationToken.None);
        Assert.Equal(simulator.Melsec.Memory.GetWord(lastState.Device), words[0]);
        Assert.InRange(words[0], (ushort)0, (ushort)3); // an execution state: 0 STOPPED .. 3 ALARM
    }
}
