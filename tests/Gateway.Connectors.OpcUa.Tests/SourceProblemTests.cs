using Gateway.Core;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>What a source that cannot connect tells the operator: why, since when, once; and when it is back.</summary>
public sealed class SourceProblemTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_source_that_cannot_connect_says_why_and_since_when_once_and_says_when_it_is_back()
    {
        var port = FreePort.Next();
        var tags = new[] { Tag("d1", "nsu=urn:gateway:tests;s=Double.00001", AcquisitionMode.Poll, 500) };
        var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{port}"), tags);
        NodeOpcUaServer? server = null;
        try
        {
            await Eventually.HoldsAsync(() => run.Connector.Reconnects >= 3, Patience, "three failed connection attempts");
            var problem = Assert.NotNull(run.Connector.Problem);
            Assert.Contains("connection refused", problem.Problem, StringComparison.Ordinal);
            Assert.True(problem.Since <= DateTimeOffset.UtcNow && problem.Since > DateTimeOffset.UtcNow - Patience, $"since {problem.Since:O}");
            Assert.Equal(1, run.Log.Lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("connection refused", StringComparison.Ordinal))); // one line for the outage, not one per attempt

            server = await NodeOpcUaServer.StartAsync(doubles: 10, port: port);
            await run.WaitUntilAsync(r => r.Any(x => x.Quality == Quality.Good), Patience, "a good reading once the server is there");
            Assert.Null(run.Connector.Problem);
            Assert.Equal(1, run.Log.Count("working again after"));
        }
        finally
        {
            await run.DisposeAsync();
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
