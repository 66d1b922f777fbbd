using System.Diagnostics;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Simulator.Tests;

/// <summary>
/// An independent Modbus client, pymodbus's (tests/servers/modbus/pymodbus_read.py, Debian python3-pymodbus), reads
/// the simulator's Modbus TCP server on 127.0.0.1: the power meter (unit 1) and the PLC (unit 2) as the README maps them.
/// </summary>
public sealed class PymodbusClientTests
{
    [Fact]
    public async Task PymodbusReadsThePowerMeterAndThePlcThatFollowTheMachines()
    {
        var options = new SimulatorOptions { Port = 0, ModbusPort = FreePort.Next(), Machines = 4, RateMs = 100, TimeScale = 60 };
        await using var simulator = await SimulatorServer.StartAsync(options);
        Assert.Equal(options.ModbusPort, simulator.ModbusPort);

        var meter = await ReadAsync(simulator.ModbusPort!.Value, 1, "ir", 0, 16);
        var kw = Cdab(meter, 0);
        Assert.InRange(kw, 5.9, 200); // four machines draw at least their standby load
        Assert.InRange(Cdab(meter, 2), 217.9, 222.1);
        Assert.InRange(Cdab(meter, 10), 0.79, 0.98);
        Assert.InRange(Cdab(meter, 12), 59.9, 60.1);
        var energy = Cdab(meter, 14);

        // Energy only grows while the machines run: wait (generously) for the meter to count more.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var later = energy;
        while (later <= energy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            later = Cdab(await ReadAsync(simulator.ModbusPort.Value, 1, "ir", 14, 2), 0);
        }

        Assert.True(later > energy, $"energy stayed at {energy} kWh");

        string[] names = ["cnc-01", "cnc-02", "press-01", "mould-01"];
        for (var i = 0; i < names.Length; i++)
        {
            var block = await ReadAsync(simulator.ModbusPort.Value, 2, "hr", i * 100, 9);
            Assert.InRange(block[0], 0, 3);
            var name = string.Concat(block.Skip(5).Select(r => $"{(char)(r >> 8)}{(char)(r & 0xFF)}")).TrimEnd('\0');
            Assert.Equal(names[i], name);
        }

        // An address the PLC does not have is an exception response, as a real device gives.
        var refused = await RunAsync(simulator.ModbusPort.Value, 2, "hr", 50, 1);
        Assert.Equal(2, refused.GetProperty("exception").GetInt32());
    }

    private static double Cdab(int[] registers, int at) =>
        BitConverter.UInt32BitsToSingle((uint)((registers[at + 1] << 16) | registers[at]));

    private static async Task<int[]> ReadAsync(int port, int unit, string table, int start, int count)
    {
        var answer = await RunAsync(port, unit, table, start, count);
        return answer.GetProperty("registers").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    private static async Task<JsonElement> RunAsync(int port, int unit, string table, int start, int count)
    {
        var info = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new object[] { RepositoryPaths.Combine("tests", "servers", "modbus", "pymodbus_read.py"), "127.0.0.1", port, unit, table, start, count })
        {
            info.ArgumentList.Add(Convert.ToString(argument, System.Globalization.CultureInfo.InvariantCulture)!);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(output.Length > 0, $"pymodbus_read.py printed nothing: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
