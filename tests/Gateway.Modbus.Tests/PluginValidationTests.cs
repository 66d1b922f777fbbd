using Gateway.Connectors.Modbus;
using Gateway.Core;

namespace Gateway.Modbus.Tests;

/// <summary>What the plugin refuses before anything connects, each problem pointing at its key and naming the tag.</summary>
public class PluginValidationTests
{
    private readonly ModbusSourcePlugin _plugin = new();

    [Fact]
    public void EachTransportNeedsItsOwnAddress()
    {
        Assert.Contains(_plugin.Validate(new ModbusSourceOptions()), p => p.Key == "host");
        Assert.Empty(_plugin.Validate(new ModbusSourceOptions { Host = "10.0.0.5" }));
        Assert.Contains(_plugin.Validate(new ModbusSourceOptions { Transport = ModbusTransportKind.Rtu }), p => p.Key == "serial");
        Assert.Contains(_plugin.Validate(new ModbusSourceOptions { Transport = ModbusTransportKind.RtuOverTcp, Host = "gw", Unit = 0 }), p => p.Key == "unit");
        Assert.Contains(_plugin.Validate(new ModbusSourceOptions { Host = "h", Reconnect = new() { InitialDelayMs = 5000, MaxDelayMs = 1000 } }), p => p.Key == "reconnect");
    }

    [Theory]
    [InlineData("40000", null, null, null, "register")]
    [InlineData("coil:1", "float32", null, null, "register")]
    [InlineData("40001", "string", null, null, "length")]
    [InlineData("40001", "int32", null, 4, "length")]
    [InlineData("40001", "float32", 3, null, "bit")]
    [InlineData("465536", "float32", null, null, "register")]
    public void BadAddressesAreNamedWithTheirKeyAndTag(string register, string? type, int? bit, int? length, string key)
    {
        var problems = _plugin.ValidateAddress("spindle", new ModbusTagAddress { Register = register, Type = type, Bit = bit, Length = length }).ToList();
        var problem = Assert.Single(problems);
        Assert.Equal(key, problem.Key);
        Assert.Contains("spindle", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodAddressesPass()
    {
        Assert.Empty(_plugin.ValidateAddress("a", new ModbusTagAddress { Register = "40001", Type = "float64" }));
        Assert.Empty(_plugin.ValidateAddress("b", new ModbusTagAddress { Register = "holding:9", Type = "string", Length = 10 }));
        Assert.Empty(_plugin.ValidateAddress("c", new ModbusTagAddress { Register = "40001", Bit = 15 }));
        Assert.Empty(_plugin.ValidateAddress("d", new ModbusTagAddress { Register = "discrete:7" }));
    }

    [Fact]
    public void ATagLargerThanTheDeviceMaximumIsRefused()
    {
        var tag = new SourceTag("s", "m", "g", "name", TimeSpan.FromSeconds(1), new ModbusGroupOptions(), new ModbusTagAddress { Register = "40001", Type = "string", Length = 40 }, "m", LabelSet.Empty);
        var problem = Assert.Single(_plugin.ValidateTags(new ModbusSourceOptions { Host = "h", MaxRegistersPerRequest = 32 }, [tag]));
        Assert.Equal("maxRegistersPerRequest", problem.Key);
    }

    [Fact]
    public void EndpointsNameTheTransport()
    {
        Assert.Equal("modbus-tcp://10.0.0.5:502", _plugin.EndpointOf(new ModbusSourceOptions { Host = "10.0.0.5" }));
        Assert.Equal("modbus-rtu-tcp://gw:4001", _plugin.EndpointOf(new ModbusSourceOptions { Transport = ModbusTransportKind.RtuOverTcp, Host = "gw", Port = 4001 }));
        Assert.Equal("modbus-rtu:///dev/ttyUSB0", _plugin.EndpointOf(new ModbusSourceOptions { Transport = ModbusTransportKind.Rtu, Serial = new() { Port = "/dev/ttyUSB0" } }));
    }
}
