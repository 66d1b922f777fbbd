using System.Diagnostics;
using System.Globalization;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.Benchmarks;

/// <summary>
/// Read throughput of 20,000 Double nodes (5,000 per call) from the node-opcua server, for our client and for
/// node-opcua's own client in the same run. The server sets the pace, so the comparison that matters is client CPU
/// time per value (user + sys of the client process / values read).
/// Run: dotnet run -c Release --project tests/Gateway.Benchmarks -- opcua-read [rounds] (default 100 rounds of 20,000:
/// 20 rounds measured 0.83 us/value and 100 rounds 0.43 us/value in the same hour, as the tiered JIT's later
/// recompilations and the first gen2 collections weigh less in a longer run).
/// </summary>
public static class OpcUaReadThroughput
{
    private const int WarmUpRounds = 5;

    public static async Task RunAsync(int rounds)
    {
        const int count = 20_000;
        const int perCall = 5_000;
        await using var server = await NodeOpcUaServer.StartAsync(doubles: count, maxNodesPerRead: perCall);
        var ns = server.TestNamespace;

        await using var client = await OpcUaClient.ConnectAsync(server.EndpointUrl, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero, Channel = new() { RequestTimeout = TimeSpan.FromSeconds(60) } });
        var nodes = Enumerable.Range(0, count).Select(i => new NodeId(ns, $"Double.{i:D5}")).ToList();
        // Warm up with whole rounds, so that tiered compilation is done before the clock starts: a gateway reads for months,
        // and its steady state, not the JIT's first minute, is what the CPU per value must say.
        for (var r = 0; r < WarmUpRounds; r++)
        {
            await client.ReadValuesAsync(nodes);
        }

        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long values = 0;
        for (var r = 0; r < rounds; r++)
        {
            var read = await client.ReadValuesAsync(nodes);
            values += read.Length;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var ours = (process.TotalProcessorTime - cpu0).TotalSeconds;
        Report("ours", values, seconds, ours);

        var script = RepositoryPaths.Combine("tests", "servers", "opcua", "read-bench.js");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { script, server.EndpointUrl, ns.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture), perCall.ToString(CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        using var node = Process.Start(info)!;
        var line = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        using var json = System.Text.Json.JsonDocument.Parse(line.Trim().Split('\n')[^1]);
        var root = json.RootElement;
        var theirs = root.GetProperty("cpuSeconds").GetDouble();
        Report("node-opcua", root.GetProperty("values").GetInt64(), root.GetProperty("seconds").GetDouble(), theirs);
        Console.WriteLine(FormattableString.Invariant($"client CPU per value, ours / node-opcua: {ours / values / (theirs / root.GetProperty("values").GetInt64()):0.000}"));
        Console.WriteLine(FormattableString.Invariant($"values/s, ours / node-opcua: {values / seconds / (root.GetProperty("values").GetInt64() / root.GetProperty("seconds").GetDouble()):0.00}"));
    }

    private static void Report(string who, long values, double seconds, double cpuSeconds) =>
        Console.WriteLine(FormattableString.Invariant($"{who,-11} {values,9} values in {seconds,6:0.00} s = {values / seconds,10:N0} values/s; client CPU {cpuSeconds:0.00} s = {cpuSeconds * 1e6 / values:0.000} us/value"));
}
