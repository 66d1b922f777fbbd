using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Frames;

/// <summary>
/// The A-compatible 1E frame (MC protocol reference manual, "1E frame"; FX3U-ENET(-ADP)). No length field and no
/// access route beyond the PC number:
/// <code>
/// request   subheader | pc | timer(2) | head device(4) | device code(2) | points(1; 0 = 256) | 00
///           (ASCII: the same fields as hex text, but the device code "4420" comes before the number "00000064")
/// response  subheader + 80h | end code | data          (end code 5Bh: one more byte, the abnormal code)
/// </code>
/// Subheaders: 00h batch read in bit units, 01h batch read in word units. Device numbers are hexadecimal on the wire
/// in ASCII, whatever the device's own base.
/// </summary>
public static class OneEFrames
{
    public const byte BitRead = 0x00;
    public const byte WordRead = 0x01;

    /// <summary>At most 256 words (or 256 bits) per 1E batch read.</summary>
    public const int MaxPoints = 256;

    public static void WriteBatchRead(FrameWriter writer, byte pc, ushort timer, DeviceAddress head, int points, bool bits)
    {
        if (head.Device.Code1E == 0)
        {
            throw new ArgumentException($"{head.Device.Name} cannot be read over the 1E frame", nameof(head));
        }

        writer.Byte(bits ? BitRead : WordRead);
        writer.Byte(pc);
        writer.UInt16(timer);
        if (writer.Ascii)
        {
            writer.UInt16(head.Device.Code1E);
            writer.UInt32((uint)head.Number);
        }
        else
        {
            writer.UInt32((uint)head.Number);
            writer.UInt16(head.Device.Code1E);
        }

        writer.Byte((byte)(points == MaxPoints ? 0 : points));
        writer.Byte(0);
    }

    /// <summary>The request's length, known from its start: binary 12 bytes, ASCII 24 characters.</summary>
    public static int RequestLength(bool ascii) => ascii ? 24 : 12;

    /// <summary>
    /// The response's length from its first bytes (false: read more). <paramref name="dataLength"/> is what the request
    /// asked for; an end code other than 0 carries no data (5Bh: one abnormal code byte).
    /// </summary>
    public static bool TryGetResponseLength(ReadOnlySpan<byte> received, bool ascii, byte requestSubheader, int dataLength, out int length)
    {
        length = 0;
        var unit = ascii ? 2 : 1;
        if (received.Length < 2 * unit)
        {
            return false;
        }

        var reader = new FrameReader(received[..(2 * unit)], ascii);
        var subheader = reader.Byte();
        if (subheader != (requestSubheader | 0x80))
        {
            throw new McFrameException($"not a 1E response to subheader {requestSubheader:X2}h: it starts with {subheader:X2}h");
        }

        var endCode = reader.Byte();
        length = endCode switch
        {
            0 => (2 * unit) + dataLength,
            EndCodes.OneEAbnormalFollows => 3 * unit,
            _ => 2 * unit,
        };
        return received.Length >= length;
    }

    /// <summary>The end code (5Bh's abnormal code when it follows) and where the data is.</summary>
    public static McResponse ParseResponse(ReadOnlySpan<byte> frame, bool ascii)
    {
        var reader = new FrameReader(frame, ascii);
        reader.Byte();
        var endCode = reader.Byte();
        if (endCode == EndCodes.OneEAbnormalFollows && reader.Remaining > 0)
        {
            // Keep 5Bh visible in the code: 5Bxx, with xx the abnormal code.
            return new McResponse((ushort)((endCode << 8) | reader.Byte()), reader.Position, 0);
        }

        return new McResponse(endCode, reader.Position, reader.Remaining);
    }
}
