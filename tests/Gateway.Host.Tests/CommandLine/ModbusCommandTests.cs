using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway modbus read` and `gateway modbus scan` against pymodbus (tests/servers/modbus, Debian python3-pymodbus).</summary>
public sealed class ModbusCommandTests
{
    private static ModbusSpec Spec() => new ModbusSpec()
        .Register(1, "hr", 0, "float32", 12.25, "cdab")
        .Register(1, "hr", 2, "int16", -42)
        .Register(1, "hr", 3, "string", "XGT", "abcd", 2)
        .Bits(1, "co", 5, true);

    [Fact]
    public async Task ReadPrintsTheJsonShapeOfGatewayReadAndExitsTwoOnAnException()
    {
        await using var device = await PymodbusServer.StartAsync(Spec());
        var host = $"127.0.0.1:{device.Port}";

        var (exit, output, error) = await CommandLineRunner.RunAsync("modbus", "read", host, "40001", "holding:0", "--type", "float32", "--order", "cdab", "--json");
        Assert.True(exit == 0, error);
        var values = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, values.GetArrayLength());
        foreach (var value in values.EnumerateArray())
        {
            Assert.Equal(12.25, value.GetProperty("value").GetDouble());
            Assert.Equal("Good", value.GetProperty("status").GetString());
            Assert.Equal("0x00000000", value.GetProperty("statusCode").GetString());
            Assert.True(value.TryGetProperty("sourceTimestamp", out _));
            Assert.True(value.TryGetProperty("dataType", out _));
        }

        Assert.Equal("40001", values[0].GetProperty("nodeId").GetString());

        (exit, output, error) = await CommandLineRunner.RunAsync("modbus", "read", host, "40003", "40100", "coil:5", "--type", "int16", "--json");
        Assert.Equal(2, exit);
        values = JsonDocument.Parse(output).RootElement;
        Assert.Equal(-42, values[0].GetProperty("value").GetInt64());
        Assert.Equal("BadOutOfRange", values[1].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, values[1].GetProperty("value").ValueKind);
        Assert.True(values[2].GetProperty("value").GetBoolean());
        Assert.Contains("ILLEGAL DATA ADDRESS", error, StringComparison.Ordinal);

        (exit, output, _) = await CommandLineRunner.RunAsync("modbus", "read", host, "40004", "--type", "string", "--length", "2");
        Assert.Equal(0, exit);
        Assert.Contains("\tXGT\t", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanShowsWhichAddressesAnswer()
    {
        await using var device = await PymodbusServer.StartAsync(Spec());
        var (exit, output, error) = await CommandLineRunner.RunAsync("modbus", "scan", $"127.0.0.1:{device.Port}", "--unit", "1", "--range", "40001-40010");
        Assert.True(exit == 0, error);
        Assert.Contains("holding:0 (400001)", output, StringComparison.Ordinal);
        Assert.Contains("holding:4 (400005)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("holding:5 ", output, StringComparison.Ordinal);
        Assert.Contains("12.25", output, StringComparison.Ordinal); // float32 CDAB of holding:0-1
        Assert.Contains("5 of 10 address(es) answered", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAddressThatIsNotOneIsAUsageError()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("modbus", "read", "127.0.0.1", "40000");
        Assert.Equal(64, exit);
        Assert.Contains("40000", error, StringComparison.Ordinal);
    }
}
