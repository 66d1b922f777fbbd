using Gateway.Connectors.Melsec;
using Gateway.Core;

namespace Gateway.Melsec.Tests.Plugin;

/// <summary>What the plugin refuses before a gateway starts, each with the fix in the message.</summary>
public sealed class PluginValidationTests
{
    private static readonly MelsecSourcePlugin Plugin = new();

    private static SourceTag Tag(string device, string? type = null, int length = 1) =>
        new("plc", "m1", "g", "t", TimeSpan.FromSeconds(1), new MelsecGroupOptions(), new MelsecTagAddress { Device = device, Type = type, Length = length }, "melsec", LabelSet.Empty);

    [Theory]
    [InlineData("D1A", null, "device", "decimal")]
    [InlineData("Q5", null, "device", "not a MELSEC device")]
    [InlineData("D100", "bit", "type", "word device")]
    [InlineData("M100", "float32", "type", "bit device")]
    public void A_bad_address_names_the_key_and_the_fix(string device, string? type, string key, string expected)
    {
        var problem = Assert.Single(Plugin.ValidateAddress("t", new MelsecTagAddress { Device = device, Type = type }));

        Assert.Equal(key, problem.Key);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checks_that_need_the_source_octal_inputs_1e_devices_and_device_numbers_beyond_3_bytes()
    {
        var fx = new MelsecSourceOptions { Host = "plc", Cpu = "fx3", Frame = "1e" };
        var problems = Plugin.ValidateTags(fx, [Tag("X18"), Tag("SD210"), Tag("X17")]).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains("octal", problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("1E frame", problems[1].Message, StringComparison.Ordinal);

        var q = new MelsecSourceOptions { Host = "plc" };
        Assert.Contains("deviceExtension: true", Assert.Single(Plugin.ValidateTags(q, [Tag("ZR20000000")])).Message, StringComparison.Ordinal);
        Assert.Empty(Plugin.ValidateTags(new MelsecSourceOptions { Host = "plc", Cpu = "iqr", DeviceExtension = true }, [Tag("ZR20000000")]));
        Assert.Contains("only iQ-R", Assert.Single(Plugin.Validate(new MelsecSourceOptions { Host = "plc", DeviceExtension = true })).Message, StringComparison.Ordinal);
    }
}
