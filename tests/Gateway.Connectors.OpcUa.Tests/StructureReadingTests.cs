using System.Text.Json;
using Gateway.Core;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// Structures as readings, polled from node-opcua (tests/servers/opcua/server.js): a Decimal becomes a number (its
/// exact digits as a string when it exceeds System.Decimal), a structure the gateway has no description of becomes a
/// string holding {"typeId", "encoding", "body"}; the other tags of the machine are read as usual.
/// </summary>
public sealed class StructureReadingTests
{
    [Fact]
    public async Task Decimals_and_unknown_structures_become_readings_as_data()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var names = new[] { "Decimal", "DecimalHuge", "UnknownStructure", "Double" };
        var tags = names.Select(n => Tag(n, $"nsu=urn:gateway:tests;s={n}", AcquisitionMode.Poll, 200)).ToList();
        var connector = TestSources.Connector(Source(server.EndpointUrl), tags, NullLogger.Instance, TimeProvider.System);
        var output = new CollectingWriter();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        await output.WaitUntilAsync(r => names.All(n => r.Any(x => x.Tag == n)), TimeSpan.FromSeconds(30), "a reading of every tag");
        await stop.CancelAsync();
        await run;

        var first = names.ToDictionary(n => n, n => output.Readings.First(r => r.Tag == n));
        Assert.All(first.Values, r => Assert.Equal(Quality.Good, r.Quality));
        Assert.Equal(12345.678, first["Decimal"].Value.AsDouble());
        Assert.Equal("1234567890123456789012345678901234.56789", first["DecimalHuge"].Value.AsString());
        Assert.Equal(-1234.5678, first["Double"].Value.AsDouble());

        using var structure = JsonDocument.Parse(first["UnknownStructure"].Value.AsString());
        Assert.Equal($"ns={server.TestNamespace};i=5001", structure.RootElement.GetProperty("typeId").GetString());
        Assert.Equal("binary", structure.RootElement.GetProperty("encoding").GetString());
        Assert.Equal("AQID/w==", structure.RootElement.GetProperty("body").GetString());
    }
}
