using Gateway.Core;
using Gateway.OpcUa.Services;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `normalize: {unitFromServer: true}` against node-opcua (tests/servers/opcua/units-server.js): AnalogItems whose
/// EngineeringUnits property carries a display name, only a UNECE unit id, an unknown id, or no property at all.
/// </summary>
public sealed class UnitFromServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_unit_comes_from_the_EngineeringUnits_property_and_is_read_again_after_a_reconnect()
    {
        var port = FreePort.Next();
        var server = await StartUnitsServerAsync(port, "C");
        var poll = Group(AcquisitionMode.Poll, 200);
        List<SourceTag> tags =
        [
            Tag("temperature", "nsu=urn:gateway:tests:units;s=Machine.Temperature", poll) with { UnitFromDevice = true },
            Tag("spindle_speed", "nsu=urn:gateway:tests:units;s=Machine.SpindleSpeed", poll) with { UnitFromDevice = true },
            Tag("pressure", "nsu=urn:gateway:tests:units;s=Machine.Pressure", poll) with { UnitFromDevice = true },
            Tag("count", "nsu=urn:gateway:tests:units;s=Machine.Count", poll) with { UnitFromDevice = true },
            // Without unitFromServer the connector leaves the unit to the configuration.
            Tag("temperature_plain", "nsu=urn:gateway:tests:units;s=Machine.Temperature", poll),
        ];
        var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{port}"), tags);
        try
        {
            await run.WaitUntilAsync(r => r.Where(x => x.Quality == Quality.Good).Select(x => x.Tag).Distinct().Count() == 5, Patience, "every tag once");
            Reading Last(string tag) => run.Output.Readings.Last(r => r.Tag == tag && r.Quality == Quality.Good);

            Assert.Equal("°C", Last("temperature").Unit);           // the server's display name
            Assert.Equal("r/min", Last("spindle_speed").Unit);      // unit id 5394509 through the UNECE table
            Assert.Null(Last("pressure").Unit);                     // an id no table knows, and no name
            Assert.Null(Last("count").Unit);                        // no EngineeringUnits property
            Assert.Null(Last("temperature_plain").Unit);
            Assert.Equal(1, run.Log.Count("cell-1/pressure has unitFromServer but its EngineeringUnits has no display name and unit id"));
            Assert.Equal(1, run.Log.Count("cell-1/count has unitFromServer but the node has no EngineeringUnits property"));

            // The machine's project changed while the gateway was cut off: the unit is read again on reconnect.
            await server.DisposeAsync();
            server = await StartUnitsServerAsync(port, "F");
            var before = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Skip(before).Any(x => x.Tag == "temperature" && x.Quality == Quality.Good), Patience, "temperature after the restart");
            Assert.Equal("°F", Last("temperature").Unit);
            Assert.Equal("r/min", Last("spindle_speed").Unit);
            Assert.Equal(1, run.Log.Count("cell-1/count has unitFromServer")); // said once, not once per reconnect
        }
        finally
        {
            await run.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    [Fact]
    public void The_embedded_UNECE_table_is_the_specifications_file_unchanged()
    {
        var embedded = File.ReadAllBytes(RepositoryPaths.Combine("connectors", "Gateway.OpcUa", "Services", "UNECE_to_OPCUA.csv"));
        var published = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "..", "shared", "opcua-schema", "UNECE_to_OPCUA.csv"));
        Assert.Equal(published, embedded);

        Assert.Equal(1827, UneceUnits.Count);
        Assert.Equal("°C", UneceUnits.DisplayName(4408652));
        Assert.Equal("kW·h", UneceUnits.DisplayName(4937544));
        Assert.Equal("\"", UneceUnits.DisplayName(4470322)); // a quoted quote: the second of arc
        Assert.Null(UneceUnits.DisplayName(1));
    }

    private static Task<ServerProcess> StartUnitsServerAsync(int port, string temperatureUnit) => ServerProcess.StartAsync(
        "node-opcua units server",
        "node",
        [RepositoryPaths.Combine("tests", "servers", "opcua", "units-server.js"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--temperature-unit", temperatureUnit],
        port,
        startTimeout: TimeSpan.FromMinutes(4));
}
