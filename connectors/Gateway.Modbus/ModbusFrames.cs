using System.Buffers.Binary;

namespace Gateway.Modbus;

/// <summary>
/// The MBAP header of Modbus over TCP and UDP (Messaging on TCP/IP Implementation Guide v1.0b, 3.1.3): transaction id,
/// protocol id 0, length (unit id + PDU), unit id; big-endian.
/// </summary>
public readonly record struct MbapHeader(ushort TransactionId, ushort Length, byte Unit)
{
    public const int Size = 7;

    /// <summary>The PDU's length, from the header's length field (which counts the unit id too).</summary>
    public int PduLength => Length - 1;

    public static void Write(Span<byte> destination, ushort transactionId, byte unit, int pduLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, transactionId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)(pduLength + 1));
        destination[6] = unit;
    }

    /// <summary>Reads and checks a header: protocol id 0, and a length that holds a unit id and a PDU of 1 to 253 bytes.</summary>
    public static MbapHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ModbusFrameException($"an MBAP header has {Size} bytes, only {source.Length} came");
        }

        var protocol = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (protocol != 0)
        {
            throw new ModbusFrameException($"protocol id {protocol} in the MBAP header is not Modbus (0)");
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
        if (length < 2 || length > ModbusPdu.MaxLength + 1)
        {
            throw new ModbusFrameException($"MBAP length {length} is outside 2..{ModbusPdu.MaxLength + 1}");
        }

        return new MbapHeader(BinaryPrimitives.ReadUInt16BigEndian(source), length, source[6]);
    }
}

/// <summary>
/// The RTU frame (Modbus over Serial Line v1.02, 2.5.1): address, PDU, CRC-16 low byte first. A response's length is
/// known from its first three bytes, which is how the reader finds the end of a frame on a byte stream.
/// </summary>
public static class RtuFrame
{
    /// <summary>Address + function + exception code + CRC.</summary>
    public const int ExceptionLength = 5;

    public static byte[] Encode(byte unit, ReadOnlySpan<byte> pdu)
    {
        var frame = new byte[pdu.Length + 3];
        frame[0] = unit;
        pdu.CopyTo(frame.AsSpan(1));
        var crc = Crc16.Compute(frame.AsSpan(0, pdu.Length + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(pdu.Length + 1), crc);
        return frame;
    }

    /// <summary>
    /// The whole length of a response frame from its first three bytes (address, function, byte count or exception
    /// code); a function this stack does not read is a frame error.
    /// </summary>
    public static int ResponseLength(ReadOnlySpan<byte> head)
    {
        if (head.Length < 3)
        {
            throw new ModbusFrameException($"an RTU frame has at least {ExceptionLength} bytes; {head.Length} came");
        }

        var function = head[1];
        if ((function & 0x80) != 0)
        {
            return ExceptionLength;
        }

        if (function is < 1 or > 4)
        {
            throw new ModbusFrameException($"function {function} in an RTU response is not a read function");
        }

        return 3 + head[2] + 2;
    }

    /// <summary>The PDU of a frame after its CRC and address are checked.</summary>
    public static ReadOnlySpan<byte> Decode(ReadOnlySpan<byte> frame, byte expectedUnit)
    {
        if (frame.Length < 4)
        {
            throw new ModbusFrameException($"an RTU frame of {frame.Length} byte(s) is too short");
        }

        var crc = BinaryPrimitives.ReadUInt16LittleEndian(frame[^2..]);
        var computed = Crc16.Compute(frame[..^2]);
        if (crc != computed)
        {
            throw new ModbusFrameException($"bad CRC: the frame carries 0x{crc:X4}, its bytes give 0x{computed:X4}");
        }

        if (frame[0] != expectedUnit)
        {
            throw new ModbusFrameException($"the answer comes from address {frame[0]}, the request went to {expectedUnit}");
        }

        return frame[1..^2];
    }
}
