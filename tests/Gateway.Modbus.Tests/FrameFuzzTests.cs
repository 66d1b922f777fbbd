using Gateway.Connectors.Modbus;

namespace Gateway.Modbus.Tests;

/// <summary>
/// 100,000 mutations of recorded answers (bytes flipped, cut, lengthened) through every decoder a received frame
/// meets: the MBAP header, the RTU frame and the read PDU. Only the stack's typed errors may come out.
/// </summary>
public class FrameFuzzTests
{
    private static readonly byte[][] Recorded =
    [
        [0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x40, 0x60, 0x00, 0x00],
        [0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x01, 0x83, 0x02],
        [0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x01, 0x0D],
        RtuFrame.Encode(1, [0x04, 0x04, 0x12, 0x34, 0x56, 0x78]),
        RtuFrame.Encode(9, [0x82, 0x0B]),
        RtuFrame.Encode(3, [0x02, 0x02, 0xFF, 0x01]),
    ];

    [Fact]
    public void MutatedFramesGiveTypedErrorsOnly()
    {
        var random = new Random(20261206);
        var typed = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var frame = Mutate(Recorded[i % Recorded.Length], random);
            foreach (var decode in Decoders)
            {
                try
                {
                    decode(frame);
                }
                catch (ModbusException)
                {
                    typed++;
                }
            }
        }

        // Most mutations must be caught; a mutation that happens to give a valid frame is fine.
        Assert.True(typed > 100_000, $"only {typed} typed errors");
    }

    private static readonly Action<byte[]>[] Decoders =
    [
        frame =>
        {
            var header = MbapHeader.Read(frame);
            var pdu = frame.AsSpan(MbapHeader.Size).ToArray();
            if (pdu.Length != header.PduLength)
            {
                throw new ModbusFrameException("length");
            }

            foreach (var function in Enum.GetValues<ModbusFunction>())
            {
                Decode(pdu, function);
            }
        },
        frame =>
        {
            var length = RtuFrame.ResponseLength(frame);
            var pdu = RtuFrame.Decode(frame.AsSpan(0, Math.Min(length, frame.Length)), frame[0]).ToArray();
            foreach (var function in Enum.GetValues<ModbusFunction>())
            {
                Decode(pdu, function);
            }
        },
    ];

    private static void Decode(byte[] pdu, ModbusFunction function)
    {
        try
        {
            var count = (ushort)Math.Max(1, pdu.Length > 1 ? ModbusPdu.IsBitFunction(function) ? pdu[1] * 8 : pdu[1] / 2 : 1);
            var data = ModbusPdu.ReadResponseData(pdu, function, count, 1);
            if (ModbusPdu.IsBitFunction(function))
            {
                ModbusPdu.Bits(data, count);
            }
            else
            {
                var registers = ModbusPdu.Registers(data);
                foreach (var type in Enum.GetValues<ModbusValueType>())
                {
                    var needed = ModbusValueDecoder.RegistersOf(type, registers.Length);
                    if (needed <= registers.Length && needed > 0)
                    {
                        try
                        {
                            ModbusValueDecoder.Decode(registers.AsSpan(0, needed), type, ByteOrder.Dcba);
                        }
                        catch (FormatException)
                        {
                            // BCD with a nibble above 9: the decoder's typed refusal.
                        }
                    }
                }
            }
        }
        catch (ModbusException)
        {
        }
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var frame = original.ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(3))
            {
                case 0 when frame.Count > 0:
                    frame[random.Next(frame.Count)] = (byte)random.Next(256);
                    break;
                case 1 when frame.Count > 0:
                    frame.RemoveAt(random.Next(frame.Count));
                    break;
                default:
                    frame.Insert(random.Next(frame.Count + 1), (byte)random.Next(256));
                    break;
            }
        }

        return [.. frame];
    }
}
