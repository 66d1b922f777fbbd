using System.Globalization;
using System.Text.Json;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Server;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway melsec read` against an MC protocol server (Gateway.Melsec's, on 127.0.0.1): values, the JSON shape of `gateway read --json`, exit 2 on an end code.</summary>
public sealed class MelsecReadCommandTests : IAsyncLifetime
{
    private readonly DeviceMemory _memory = new();
    private McServer _server = null!;

    public Task InitializeAsync()
    {
        _memory.SetInt16(new DeviceAddress(DeviceTypes.D, 100), -7);
        _memory.SetFloat32(new DeviceAddress(DeviceTypes.D, 102), 12.5f);
        _memory.SetString(new DeviceAddress(DeviceTypes.D, 200), "AB-12", 4);
        _memory.SetBit(new DeviceAddress(DeviceTypes.M, 3), true);
        _server = McServer.Start(_memory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Target => "127.0.0.1:" + _server.Port.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("3e", false)]
    [InlineData("3e", true)]
    [InlineData("4e", false)]
    [InlineData("1e", false)]
    public async Task Json_has_the_shape_of_gateway_read_and_the_values_the_plc_holds(string frame, bool ascii)
    {
        string[] args = ["melsec", "read", Target, "D100", "D102:float32", "D200:string/4", "M3", "--frame", frame, "--json"];
        var (exit, output, error) = await CommandLineRunner.RunAsync(ascii ? [.. args, "--ascii"] : args);

        Assert.True(exit == 0, error);
        var items = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(["D100", "D102:float32", "D200:string/4", "M3"], items.Select(i => i.GetProperty("nodeId").GetString()));
        Assert.Equal(-7, items[0].GetProperty("value").GetInt64());
        Assert.Equal(12.5, items[1].GetProperty("value").GetDouble());
        Assert.Equal("AB-12", items[2].GetProperty("value").GetString());
        Assert.True(items[3].GetProperty("value").GetBoolean());
        Assert.All(items, i => Assert.Equal(
            ["nodeId", "value", "dataType", "status", "statusCode", "sourceTimestamp", "serverTimestamp"],
            i.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(["Int16", "Float", "String", "Boolean"], items.Select(i => i.GetProperty("dataType").GetString()));
    }

    [Fact]
    public async Task An_end_code_exits_2_naming_it_and_still_prints_the_other_devices()
    {
        var (exit, output, error) = await CommandLineRunner.RunAsync("melsec", "read", Target, "D100", "D99999");

        Assert.Equal(2, exit);
        Assert.Contains("D99999: end code C056h DeviceOutOfRange", error, StringComparison.Ordinal);
        Assert.StartsWith("D100\t-7\tInt16\tGood\t", output, StringComparison.Ordinal);
        Assert.Contains("D99999\tnull\tInt16\tDeviceOutOfRange\t", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_that_is_not_one_is_a_usage_error()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("melsec", "read", Target, "D1A");

        Assert.Equal(64, exit);
        Assert.Contains("decimal", error, StringComparison.Ordinal);
    }
}
