using Gateway.Connectors.Melsec;
using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Tests.Plugin;

/// <summary>Words to values in MELSEC's order, and device names as programmers write them.</summary>
public sealed class ValueTests
{
    [Theory]
    [InlineData(MelsecValueType.Int16, new ushort[] { 0xFFFE }, -2.0)]
    [InlineData(MelsecValueType.UInt16, new ushort[] { 0xFFFE }, 65534.0)]
    [InlineData(MelsecValueType.Int32, new ushort[] { 0x0000, 0x8000 }, -2147483648.0)]
    [InlineData(MelsecValueType.UInt32, new ushort[] { 0xFFFF, 0xFFFF }, 4294967295.0)]
    [InlineData(MelsecValueType.Float32, new ushort[] { 0x0000, 0x3FC0 }, 1.5)]
    [InlineData(MelsecValueType.Float64, new ushort[] { 0, 0, 0, 0x4004 }, 2.5)]
    [InlineData(MelsecValueType.Bcd16, new ushort[] { 0x1234 }, 1234.0)]
    [InlineData(MelsecValueType.Bcd32, new ushort[] { 0x5678, 0x1234 }, 12345678.0)]
    public void Words_decode_low_word_first(MelsecValueType type, ushort[] words, double expected)
    {
        var (value, status) = MelsecValues.Decode(type, words);

        Assert.Equal(MelsecValues.Good, status);
        Assert.Equal(expected, value.TryGetNumber());
    }

    [Fact]
    public void A_string_is_two_characters_per_word_low_byte_first_up_to_the_first_nul()
    {
        ushort[] words = [0x4241, 0x4443, 0x0045, 0x4747];

        Assert.Equal("ABCDE", MelsecValues.Decode(MelsecValueType.String, words).Value.AsString());
    }

    [Fact]
    public void A_bcd_digit_above_9_is_bad_not_a_number()
    {
        Assert.Equal(MelsecValues.BadDataEncodingInvalid, MelsecValues.Decode(MelsecValueType.Bcd16, [0x12A4]).Status);
    }

    [Theory]
    [InlineData("D100", "D", 100, false)]
    [InlineData("w1a", "W", 0x1A, false)]
    [InlineData("X1F", "X", 0x1F, false)]
    [InlineData("X17", "X", 15, true)]
    [InlineData("Y20", "Y", 16, true)]
    [InlineData("ZR10000", "ZR", 10000, false)]
    [InlineData("SM400", "SM", 400, false)]
    [InlineData("SD210", "SD", 210, false)]
    [InlineData("TN0", "TN", 0, false)]
    [InlineData("CN10", "CN", 10, false)]
    [InlineData("TS5", "TS", 5, false)]
    [InlineData("B0", "B", 0, false)]
    [InlineData("L10", "L", 10, false)]
    [InlineData("R2000", "R", 2000, false)]
    public void Devices_parse_in_their_own_base(string text, string device, int number, bool octal)
    {
        var address = DeviceAddress.Parse(text, octal);

        Assert.Equal((device, number), (address.Device.Name, address.Number));
        Assert.Equal(text.ToUpperInvariant(), address.Format(octal));
    }

    [Theory]
    [InlineData("D1A", false, "decimal")]
    [InlineData("X18", true, "octal")]
    [InlineData("Q100", false, "not a MELSEC device")]
    [InlineData("M", false, "not a MELSEC device")]
    public void A_number_in_the_wrong_base_says_which_base_the_device_uses(string text, bool octal, string expected)
    {
        Assert.False(DeviceAddress.TryParse(text, octal, out _, out var why));
        Assert.Contains(expected, why, StringComparison.Ordinal);
    }
}
