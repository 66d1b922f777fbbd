using System.Diagnostics;
using System.Globalization;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Simulator;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// The acquisition connector's own cost for a large subscription: the simulator runs as a separate process
/// (`gateway.dll simulate`), this process holds only the connector and a writer that counts, so its CPU time
/// (Process.TotalProcessorTime) and RSS are the client side alone.
/// Run (build gateway/Gateway.Host in Release first):
///   dotnet run -c Release --project tests/Gateway.Benchmarks -- opcua-subscribe [machines] [tags-per-machine] [rate-ms] [publish-ms] [seconds] [tick-values]
/// 100,000 items, 10 % changing per second: opcua-subscribe 10 10000 10000 1000 60
/// every item every 100 ms:                opcua-subscribe 10 2000 100 100 30 tick-values
/// </summary>
public static class OpcUaSubscriptionLoad
{
    public static async Task RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var machines = Arg(0, 10);
        var tagsPerMachine = Arg(1, 10_000);
        var rateMs = Arg(2, 10_000);
        var publishMs = Arg(3, 1000);
        var seconds = Arg(4, 60);
        var tickValues = args.Contains("tick-values");

        var gatewayDll = RepositoryPaths.Combine("gateway", "Gateway.Host", "bin", "Release", "net10.0", "gateway.dll");
        if (!File.Exists(gatewayDll))
        {
            throw new InvalidOperationException($"{gatewayDll} is missing: dotnet build gateway/Gateway.Host -c Release first");
        }

        var port = FreePort.Next();
        string[] simulate = ["exec", gatewayDll, "simulate", "--port", port.ToString(CultureInfo.InvariantCulture), "--machines", machines.ToString(CultureInfo.InvariantCulture),
            "--tags-per-machine", tagsPerMachine.ToString(CultureInfo.InvariantCulture), "--rate-ms", rateMs.ToString(CultureInfo.InvariantCulture)];
        await using var simulator = await ServerProcess.StartAsync("simulator", "dotnet", tickValues ? [.. simulate, "--tick-values"] : simulate, port, startTimeout: TimeSpan.FromMinutes(2));

        var group = new OpcUaGroupOptions { Mode = AcquisitionMode.Subscribe, SamplingIntervalMs = -1, QueueSize = 2 };
        var tags = SimulatorServer.DescribeTags(new SimulatorOptions { Machines = machines, TagsPerMachine = tagsPerMachine })
            .Select(t => new SourceTag("sim", t.Machine, "all", t.Path, TimeSpan.FromMilliseconds(publishMs), group, new OpcUaTagAddress { NodeId = t.ExpandedNodeId }, "sim", LabelSet.From([])))
            .ToList();
        var source = new OpcUaSourceOptions { Endpoint = $"opc.tcp://127.0.0.1:{port}", RequestTimeoutMs = 60_000 };
        var connector = new OpcUaSourceConnector("sim", source, tags, NullLogger.Instance, TimeProvider.System);
        var counter = new CountingWriter();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = connector.RunAsync(counter, stop.Token);
        while (counter.Readings < tags.Count || connector.State != ConnectionState.Connected)
        {
            await Task.Delay(100);
        }

        Console.WriteLine(FormattableString.Invariant($"{tags.Count:N0} items subscribed in {clock.Elapsed.TotalSeconds:0.0} s; warming up 5 s, then measuring {seconds} s"));
        await Task.Delay(5000);
        using var self = Process.GetCurrentProcess();
        // The tag list came from building a simulated address space here: let it go before measuring.
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        self.Refresh();
        var cpu0 = self.TotalProcessorTime;
        var readings0 = counter.Readings;
        var gaps0 = counter.DataGaps;
        var measured = Stopwatch.StartNew();
        long rssMax = 0;
        double rssSum = 0;
        for (var s = 0; s < seconds; s++)
        {
            await Task.Delay(1000);
            self.Refresh();
            rssMax = Math.Max(rssMax, self.WorkingSet64);
            rssSum += self.WorkingSet64;
        }

        self.Refresh();
        var elapsed = measured.Elapsed.TotalSeconds;
        var cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
        var notifications = counter.Readings - readings0;
        await stop.CancelAsync();
        await run;
        Console.WriteLine(FormattableString.Invariant(
            $"items {tags.Count:N0}, simulator rate {rateMs} ms, publishing {publishMs} ms: {notifications / elapsed:N0} notifications/s; client CPU {cpu / elapsed * 100:0.0} % of one core ({cpu * 1e6 / Math.Max(1, notifications):0.00} us/notification); RSS avg {rssSum / seconds / 1048576:0} MB, max {rssMax / 1048576.0:0} MB, managed heap {GC.GetTotalMemory(false) / 1048576.0:0} MB; data gaps {counter.DataGaps - gaps0}; reconnects {connector.Reconnects}"));
    }

    /// <summary>The pipeline's place: counts and forgets.</summary>
    private sealed class CountingWriter : IReadingWriter
    {
        private long _readings;
        private long _gaps;

        public long Readings => Interlocked.Read(ref _readings);

        public long DataGaps => Interlocked.Read(ref _gaps);

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            var gaps = 0;
            for (var i = 0; i < readings.Count; i++)
            {
                gaps += readings[i].DataGap ? 1 : 0;
            }

            Interlocked.Add(ref _readings, readings.Count);
            Interlocked.Add(ref _gaps, gaps);
            return ValueTask.CompletedTask;
        }
    }
}
