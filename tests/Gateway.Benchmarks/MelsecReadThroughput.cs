using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;
using Gateway.Testing;

namespace Gateway.Benchmarks;

/// <summary>
/// `-- melsec-read [rounds]`: words per second and client CPU per word of <see cref="McClient"/> reading 960-word batch
/// reads (3E binary) from the simulator's MELSEC PLC in its own process (`gateway.dll simulate --melsec-port`), against
/// a raw socket loop that sends the same request bytes and reads the same response length, in the same run; rounds
/// alternate client and raw so both see the same machine load. Prints the ratio (target: 0.8 or more).
/// </summary>
public static class MelsecReadThroughput
{
    private const int Words = 960;
    private const int RequestsPerRound = 500;

    public static async Task RunAsync(int rounds)
    {
        var gatewayDll = RepositoryPaths.Combine("gateway", "Gateway.Host", "bin", "Release", "net10.0", "gateway.dll");
        var port = FreePort.Next();
        string[] simulate = ["exec", gatewayDll, "simulate", "--port", "0", "--melsec-port", port.ToString(CultureInfo.InvariantCulture), "--rate-ms", "1000"];
        await using var simulator = await ServerProcess.StartAsync("simulator", "dotnet", simulate, port, startTimeout: TimeSpan.FromMinutes(2));

        await using var client = await McClient.ConnectAsync("127.0.0.1", port, new McClientOptions(), CancellationToken.None);
        using var raw = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await raw.ConnectAsync("127.0.0.1", port);
        var request = RawRequest();
        var response = new byte[11 + (2 * Words)];
        var head = new DeviceAddress(DeviceTypes.D, 0);
        var into = new ushort[Words];

        // Warm up both paths (JIT, socket buffers).
        for (var i = 0; i < 200; i++)
        {
            await client.ReadWordsAsync(head, into, CancellationToken.None);
            await RawExchangeAsync(raw, request, response);
        }

        using var self = Process.GetCurrentProcess();
        var (clientTime, clientCpu, rawTime, rawCpu) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        for (var round = 0; round < rounds; round++)
        {
            self.Refresh();
            var cpu0 = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < RequestsPerRound; i++)
            {
                await client.ReadWordsAsync(head, into, CancellationToken.None);
            }

            clientTime += watch.Elapsed;
            self.Refresh();
            clientCpu += self.TotalProcessorTime - cpu0;

            cpu0 = self.TotalProcessorTime;
            watch.Restart();
            for (var i = 0; i < RequestsPerRound; i++)
            {
                await RawExchangeAsync(raw, request, response);
            }

            rawTime += watch.Elapsed;
            self.Refresh();
            rawCpu += self.TotalProcessorTime - cpu0;
        }

        var words = (double)rounds * RequestsPerRound * Words;
        var clientRate = words / clientTime.TotalSeconds;
        var rawRate = words / rawTime.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"melsec-read: {rounds} rounds x {RequestsPerRound} batch reads of {Words} words (3E binary, 127.0.0.1, simulator in its own process)"));
        Console.WriteLine(FormattableString.Invariant($"  McClient   {clientRate,12:N0} words/s  {clientCpu.TotalMilliseconds * 1e6 / words,8:N1} ns CPU/word"));
        Console.WriteLine(FormattableString.Invariant($"  raw socket {rawRate,12:N0} words/s  {rawCpu.TotalMilliseconds * 1e6 / words,8:N1} ns CPU/word"));
        Console.WriteLine(FormattableString.Invariant($"  ratio (client / raw words/s): {clientRate / rawRate:0.00}"));
    }

    private static byte[] RawRequest()
    {
        var writer = new FrameWriter(ascii: false);
        var lengthAt = McFrames.BeginRequest(writer, FrameFormat.Binary3E, AccessRoute.OwnStation, 0);
        writer.UInt16(16);
        McFrames.WriteBatchRead(writer, new DeviceAddress(DeviceTypes.D, 0), Words, bits: false, extended: false);
        McFrames.End(writer, lengthAt);
        return writer.Written.ToArray();
    }

    /// <summary>The floor: send the bytes, read until the known response length is in, nothing decoded.</summary>
    private static async Task RawExchangeAsync(Socket socket, byte[] request, byte[] response)
    {
        await socket.SendAsync(request, SocketFlags.None);
        var received = 0;
        while (received < response.Length)
        {
            var read = await socket.ReceiveAsync(response.AsMemory(received), SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("the simulator closed the connection");
            }

            received += read;
        }
    }
}
