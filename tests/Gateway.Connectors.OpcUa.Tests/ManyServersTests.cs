using System.Net;
using System.Net.Sockets;
using Gateway.Core;
using Gateway.Simulator;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>One process reading many servers: our simulator (gateway/Gateway.Simulator) in-process, 50 of them.</summary>
public sealed class ManyServersTests
{
    [Fact]
    public async Task One_process_reads_50_servers_of_2000_tags_and_a_dead_or_killed_server_delays_none_of_the_others()
    {
        const int servers = 50;
        const int tagsPerServer = 2000;
        // Values move every 5 s: 20,000 changes/s for the servers and the clients, all in this one test process.
        var options = Enumerable.Range(0, servers).Select(i => new SimulatorOptions { Port = 0, Machines = 1, TagsPerMachine = tagsPerServer, RateMs = 5000, Seed = i + 1 }).ToList();
        var simulators = await Task.WhenAll(options.Select(o => SimulatorServer.StartAsync(o)));
        // A dead server: the port accepts connections and never says a word.
        using var dead = new TcpListener(IPAddress.Loopback, 0);
        dead.Start();
        var silentSockets = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                silentSockets.Add(await dead.AcceptSocketAsync());
            }
        });

        var group = Group(AcquisitionMode.Subscribe, 1000, samplingMs: -1);
        var tagNames = simulators[0].Tags.Select(t => t.Path.Replace('/', '.')).ToList();
        var runs = simulators.Select((simulator, i) => RunningConnector.Start(
            Source(simulator.EndpointUrl, name: $"s{i:D2}", requestTimeoutMs: 30_000),
            simulator.Tags.Select(t => Tag(t.Path.Replace('/', '.'), t.ExpandedNodeId, group, machine: t.Machine, source: $"s{i:D2}")).ToList())).ToList();
        var deadRun = RunningConnector.Start(
            Source($"opc.tcp://127.0.0.1:{((IPEndPoint)dead.LocalEndpoint).Port}", name: "dead", requestTimeoutMs: 300_000),
            [Tag("x", "ns=2;s=x", group, source: "dead")]);
        try
        {
            foreach (var run in runs)
            {
                try
                {
                    await Eventually.HoldsAsync(() => run.Output.DistinctTags == tagsPerServer, TimeSpan.FromSeconds(120), $"all tags of {run.Connector.Name}");
                }
                catch (TimeoutException e)
                {
                    var seen = run.Output.Readings.Select(r => r.Tag).ToHashSet();
                    var missing = tagNames.Where(t => !seen.Contains(t)).Take(5);
                    throw new TimeoutException($"{e.Message}: {seen.Count} seen, rejected [{string.Join(", ", run.Connector.RejectedTags.Take(5))}], missing e.g. [{string.Join(", ", missing)}]; log:\n{string.Join("\n", run.Log.Lines)}", e);
                }
            }

            // The dead server's connect is still waiting (5 min timeout) while every other server delivered everything.
            Assert.Equal(ConnectionState.Connecting, deadRun.Connector.State);
            Assert.All(runs, r => Assert.True(r.Connector.State == ConnectionState.Connected, $"{r.Connector.Name} is {r.Connector.State}:\n{string.Join("\n", r.Log.Lines)}"));

            // A server killed mid-run: the others keep their pace.
            await simulators[0].StopAsync();
            var before = runs.Select(r => r.Output.Readings.Count).ToList();
            // What must hold at any speed: every other source keeps delivering (how fast is the load harness's business).
            for (var i = 1; i < servers; i++)
            {
                var run = runs[i];
                var from = before[i];
                await Eventually.HoldsAsync(() => run.Output.Readings.Count - from >= tagsPerServer / 2, TimeSpan.FromSeconds(120), $"{run.Connector.Name} delivering after another server died");
                Assert.Equal(ConnectionState.Connected, run.Connector.State);
            }

            await Eventually.HoldsAsync(() => runs[0].Connector.State != ConnectionState.Connected, TimeSpan.FromSeconds(20), "s00 noticing its server is gone");
        }
        finally
        {
            await Task.WhenAll(runs.Select(r => r.DisposeAsync().AsTask()).Append(deadRun.DisposeAsync().AsTask()));
            await Task.WhenAll(simulators.Select(s => s.DisposeAsync().AsTask()));
            dead.Stop();
            foreach (var socket in silentSockets.ToList())
            {
                socket.Dispose();
            }
        }
    }
}
