using Gateway.Connectors.Modbus;
using Gateway.Modbus;

namespace Gateway.Modbus.Tests;

/// <summary>The pure pieces: CRC, PDU and frame checks, the address syntax, the value decoder, coalescing.</summary>
public class FramingTests
{
    [Fact]
    public void Crc16MatchesTheSerialLineSpecificationExample()
    {
        // Modbus over Serial Line v1.02, 6.2.2 and its appendix: address 0x02, function 0x07 give CRC 0x1241 (sent 41 12).
        Assert.Equal(0x1241, Crc16.Compute([0x02, 0x07]));
        var frame = RtuFrame.Encode(0x02, [0x07]);
        Assert.Equal(new byte[] { 0x02, 0x07, 0x41, 0x12 }, frame);
    }

    [Fact]
    public void RtuFrameWithABadCrcIsRefused()
    {
        var frame = RtuFrame.Encode(1, [0x03, 0x02, 0x12, 0x34]);
        frame[3] ^= 0x01;
        Assert.Throws<ModbusFrameException>(() => RtuFrame.Decode(frame, 1).ToArray());
    }

    [Fact]
    public void AnAnswerFromAnotherAddressIsRefused()
    {
        var frame = RtuFrame.Encode(2, [0x03, 0x02, 0x12, 0x34]);
        Assert.Throws<ModbusFrameException>(() => RtuFrame.Decode(frame, 1).ToArray());
        Assert.Equal(new byte[] { 0x03, 0x02, 0x12, 0x34 }, RtuFrame.Decode(frame, 2).ToArray());
    }

    [Fact]
    public void ReadResponsesAreCheckedAgainstTheRequest()
    {
        Assert.Equal(new byte[] { 0x12, 0x34 }, ModbusPdu.ReadResponseData([0x03, 0x02, 0x12, 0x34], ModbusFunction.ReadHoldingRegisters, 1, 1).ToArray());
        // A byte count that does not fit the quantity asked, a short PDU, another function: frame errors.
        Assert.Throws<ModbusFrameException>(() => ModbusPdu.ReadResponseData([0x03, 0x04, 0x12, 0x34], ModbusFunction.ReadHoldingRegisters, 1, 1).ToArray());
        Assert.Throws<ModbusFrameException>(() => ModbusPdu.ReadResponseData([0x03], ModbusFunction.ReadHoldingRegisters, 1, 1).ToArray());
        Assert.Throws<ModbusFrameException>(() => ModbusPdu.ReadResponseData([0x04, 0x02, 0x12, 0x34], ModbusFunction.ReadHoldingRegisters, 1, 1).ToArray());
        var exception = Assert.Throws<ModbusDeviceException>(() => ModbusPdu.ReadResponseData([0x83, 0x02], ModbusFunction.ReadHoldingRegisters, 1, 7).ToArray());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, exception.Code);
        Assert.Equal(7, exception.Unit);
    }

    [Fact]
    public void MbapHeaderChecksProtocolAndLength()
    {
        var header = new byte[7];
        MbapHeader.Write(header, 0x1234, 9, 5);
        Assert.Equal(new byte[] { 0x12, 0x34, 0, 0, 0, 6, 9 }, header);
        Assert.Equal(new MbapHeader(0x1234, 6, 9), MbapHeader.Read(header));
        header[3] = 1;
        Assert.Throws<ModbusFrameException>(() => MbapHeader.Read(header));
        MbapHeader.Write(header, 1, 1, 0);
        Assert.Throws<ModbusFrameException>(() => MbapHeader.Read(header));
    }

    [Theory]
    [InlineData("40001", ModbusTable.HoldingRegister, 0)]
    [InlineData("400001", ModbusTable.HoldingRegister, 0)]
    [InlineData("465536", ModbusTable.HoldingRegister, 65535)]
    [InlineData("300010", ModbusTable.InputRegister, 9)]
    [InlineData("30010", ModbusTable.InputRegister, 9)]
    [InlineData("00101", ModbusTable.Coil, 100)]
    [InlineData("10008", ModbusTable.DiscreteInput, 7)]
    [InlineData("holding:0", ModbusTable.HoldingRegister, 0)]
    [InlineData("input:9", ModbusTable.InputRegister, 9)]
    [InlineData("coil:100", ModbusTable.Coil, 100)]
    [InlineData("discrete:7", ModbusTable.DiscreteInput, 7)]
    public void AddressesParseToTableAndZeroBasedOffset(string text, ModbusTable table, int offset) =>
        Assert.Equal(new RegisterAddress(table, offset), RegisterAddress.Parse(text));

    [Theory]
    [InlineData("40000")]
    [InlineData("4001")]
    [InlineData("50001")]
    [InlineData("holding:65536")]
    [InlineData("memory:1")]
    [InlineData("holding:-1")]
    public void BadAddressesAreRefusedWithAReason(string text)
    {
        Assert.False(RegisterAddress.TryParse(text, out _, out var why));
        Assert.Contains(text, why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ByteOrder.Abcd, new ushort[] { 0x4060, 0x0000 })]
    [InlineData(ByteOrder.Cdab, new ushort[] { 0x0000, 0x4060 })]
    [InlineData(ByteOrder.Badc, new ushort[] { 0x6040, 0x0000 })]
    [InlineData(ByteOrder.Dcba, new ushort[] { 0x0000, 0x6040 })]
    public void Float32InEveryByteOrder(ByteOrder order, ushort[] registers) =>
        Assert.Equal(3.5, ModbusValueDecoder.Decode(registers, ModbusValueType.Float32, order).AsDouble());

    [Fact]
    public void BcdWithANibbleAboveNineIsAFormatError()
    {
        Assert.Equal(1234, ModbusValueDecoder.Decode([0x1234], ModbusValueType.Bcd16, ByteOrder.Abcd).AsInt64());
        Assert.Throws<FormatException>(() => ModbusValueDecoder.Decode([0x12A4], ModbusValueType.Bcd16, ByteOrder.Abcd));
    }

    [Fact]
    public void PlannerCoalescesWithinGapAndLimit()
    {
        var tags = new[] { 0, 1, 2, 10, 40, 200 }.Select(o => Tag(o, 2)).ToList();
        var blocks = ReadPlanner.Plan(tags, maxRegisters: 125, maxBits: 2000, maxGap: 8);
        Assert.Equal([(0, 12), (40, 2), (200, 2)], blocks.Select(b => (b.Start, b.Count)).ToList());
        var small = ReadPlanner.Plan(tags, maxRegisters: 4, maxBits: 2000, maxGap: 8);
        Assert.All(small, b => Assert.True(b.Count <= 4));
        Assert.Equal(tags.Count, small.Sum(b => b.Tags.Count));
    }

    private static ModbusTag Tag(int offset, int count) =>
        new(new Gateway.Core.SourceTag("s", "m", "g", $"t{offset}", TimeSpan.FromSeconds(1), new ModbusGroupOptions(), new ModbusTagAddress(), "m", Gateway.Core.LabelSet.Empty), new RegisterAddress(ModbusTable.HoldingRegister, offset), 1, ModbusValueType.Int32, ByteOrder.Abcd, null, count);
}
