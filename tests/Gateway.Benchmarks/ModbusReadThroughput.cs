using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

using Gateway.Modbus;
using Gateway.Testing;

namespace Gateway.Benchmarks;

/// <summary>
/// `-- modbus-read [requests]`: registers per second and client CPU per register, our ModbusClient against pymodbus
/// (Debian python3-pymodbus), reported as a ratio to a minimal raw-socket loop sending the same requests (read 125
/// holding registers, one in flight) to the same server in the same run. The server is the slower side, so the ratio
/// says what our client costs on top of the bytes on the wire. Runs alternate (raw, ours, raw, ours, ...) so load
/// changes on the machine hit both alike.
/// </summary>
public static class ModbusReadThroughput
{
    public static async Task RunAsync(int requests)
    {
        var spec = new ModbusSpec();
        for (var i = 0; i < 125; i++)
        {
            spec.Register(1, "hr", i, "uint16", i * 3);
        }

        await using var server = await PymodbusServer.StartAsync(spec);
        Console.WriteLine($"pymodbus on 127.0.0.1:{server.Port}; {requests} requests of 125 registers per run, one in flight");
        var raw = new List<(double Seconds, double Cpu)>();
        var ours = new List<(double Seconds, double Cpu)>();
        await RawLoopAsync(server.Port, 50);
        await ClientLoopAsync(server.Port, 50);
        for (var round = 0; round < 3; round++)
        {
            raw.Add(await MeasureAsync(() => RawLoopAsync(server.Port, requests)));
            ours.Add(await MeasureAsync(() => ClientLoopAsync(server.Port, requests)));
        }

        var registers = requests * 125.0;
        var rawBest = raw.MinBy(r => r.Seconds);
        var oursBest = ours.MinBy(r => r.Seconds);
        Console.WriteLine(FormattableString.Invariant($"raw socket loop: {registers / rawBest.Seconds:N0} registers/s, {rawBest.Cpu * 1e9 / registers:N0} ns CPU per register"));
        Console.WriteLine(FormattableString.Invariant($"ModbusClient:    {registers / oursBest.Seconds:N0} registers/s, {oursBest.Cpu * 1e9 / registers:N0} ns CPU per register"));
        Console.WriteLine(FormattableString.Invariant($"ratio (ours / raw): throughput {rawBest.Seconds / oursBest.Seconds:0.00}, CPU per register {oursBest.Cpu / rawBest.Cpu:0.00}"));
    }

    private static async Task<(double Seconds, double Cpu)> MeasureAsync(Func<Task> run)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await run();
        clock.Stop();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    private static async Task ClientLoopAsync(int port, int requests)
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        await client.ConnectAsync(CancellationToken.None);
        for (var i = 0; i < requests; i++)
        {
            var registers = await client.ReadHoldingRegistersAsync(1, 0, 125, CancellationToken.None);
            if (registers[124] != 372)
            {
                throw new InvalidOperationException("wrong value");
            }
        }
    }

    /// <summary>The least a program can do: the request bytes out, the 259 answer bytes in, one register checked.</summary>
    private static async Task RawLoopAsync(int port, int requests)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        using var stream = new NetworkStream(socket);
        var request = new byte[] { 0, 0, 0, 0, 0, 6, 1, 3, 0, 0, 0, 125 };
        var answer = new byte[9 + 250];
        for (var i = 0; i < requests; i++)
        {
            request[0] = (byte)(i >> 8);
            request[1] = (byte)i;
            await stream.WriteAsync(request);
            await stream.ReadExactlyAsync(answer);
            if (answer[^1] != (372 & 0xFF))
            {
                throw new InvalidOperationException("wrong value");
            }
        }
    }
}
