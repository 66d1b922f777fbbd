using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Frames;

/// <summary>
/// The frame around a command: subheader, serial number (4E), access route, data length, monitoring timer (requests)
/// or end code (responses). Layouts (MC protocol reference manual, SLMP reference manual "Message format"):
/// <code>
/// 3E request   50 00 | net | pc | io(2) | drop | length(2) | timer(2) | command(2) | subcommand(2) | data
/// 4E request   54 00 | serial(2) | 00 00 | net | ... as 3E
/// 3E response  D0 00 | net | pc | io(2) | drop | length(2) | end code(2) | data (or error information)
/// 4E response  D4 00 | serial(2) | 00 00 | net | ... as 3E
/// </code>
/// The length counts the bytes (ASCII: characters) after itself. ASCII frames write every field as hexadecimal text of
/// twice its binary width ("5000", "00", "FF", "03FF", ...). The 1E frame has no length field: see <see cref="OneEFrames"/>.
/// </summary>
public static class McFrames
{
    /// <summary>Largest frame we accept either way: a 960-word read answered in ASCII is 3,862 characters; anything beyond is not MC.</summary>
    public const int MaxFrameLength = 8192;

    public const ushort Command_BatchRead = 0x0401;
    public const ushort Command_RandomRead = 0x0403;

    public const ushort Sub_Words = 0x0000;
    public const ushort Sub_Bits = 0x0001;
    public const ushort Sub_WordsExtended = 0x0002;
    public const ushort Sub_BitsExtended = 0x0003;

    private static ReadOnlySpan<byte> Subheader3ERequest => [0x50, 0x00];
    private static ReadOnlySpan<byte> Subheader4ERequest => [0x54, 0x00];
    private static ReadOnlySpan<byte> Subheader3EResponse => [0xD0, 0x00];
    private static ReadOnlySpan<byte> Subheader4EResponse => [0xD4, 0x00];

    /// <summary>Bytes before the data length field ends: binary 9 (3E) / 13 (4E), ASCII 18 / 26.</summary>
    public static int HeaderLength(FrameFormat format) => (format.Type, format.Ascii) switch
    {
        (FrameType.Frame4E, false) => 13,
        (FrameType.Frame4E, true) => 26,
        (_, false) => 9,
        _ => 18,
    };

    /// <summary>Writes subheader, serial (4E), route and a placeholder length; returns where the length goes.</summary>
    public static int BeginRequest(FrameWriter writer, FrameFormat format, AccessRoute route, ushort serial) =>
        Begin(writer, format, route, serial, response: false);

    public static int BeginResponse(FrameWriter writer, FrameFormat format, AccessRoute route, ushort serial) =>
        Begin(writer, format, route, serial, response: true);

    private static int Begin(FrameWriter writer, FrameFormat format, AccessRoute route, ushort serial, bool response)
    {
        var is4E = format.Type == FrameType.Frame4E;
        if (writer.Ascii)
        {
            writer.Text((is4E, response) switch { (false, false) => "5000", (true, false) => "5400", (false, true) => "D000", _ => "D400" });
        }
        else
        {
            writer.Raw((is4E, response) switch
            {
                (false, false) => Subheader3ERequest,
                (true, false) => Subheader4ERequest,
                (false, true) => Subheader3EResponse,
                _ => Subheader4EResponse,
            });
        }

        if (is4E)
        {
            // The serial number is the client's own (any value); the response echoes it. Two fixed zero bytes follow.
            writer.UInt16(serial);
            writer.UInt16(0);
        }

        writer.Byte(route.Network);
        writer.Byte(route.Station);
        // Binary: little-endian like every field. ASCII: "03FF" (the module I/O number is a 2-byte field like the others).
        writer.UInt16(route.ModuleIo);
        writer.Byte(route.Multidrop);
        var lengthAt = writer.Length;
        writer.UInt16(0);
        return lengthAt;
    }

    /// <summary>Fills in the data length: everything after the length field.</summary>
    public static void End(FrameWriter writer, int lengthAt)
    {
        var fieldWidth = writer.Ascii ? 4 : 2;
        writer.Patch(lengthAt, (uint)(writer.Length - lengthAt - fieldWidth), 2);
    }

    /// <summary>
    /// How long the frame that starts <paramref name="received"/> is, once its header is in (false: read more).
    /// Throws <see cref="McFrameException"/> for a wrong subheader or a length beyond <see cref="MaxFrameLength"/>.
    /// </summary>
    public static bool TryGetFrameLength(ReadOnlySpan<byte> received, FrameFormat format, bool request, out int length)
    {
        length = 0;
        var header = HeaderLength(format);
        var subheaderLength = format.Ascii ? 4 : 2;
        if (received.Length >= subheaderLength)
        {
            var expected = ExpectedSubheader(format, request);
            if (!received[..subheaderLength].SequenceEqual(expected))
            {
                throw new McFrameException($"not an MC {format} {(request ? "request" : "response")}: subheader {Show(received[..subheaderLength], format.Ascii)}, expected {Show(expected, format.Ascii)}");
            }
        }

        if (received.Length < header)
        {
            return false;
        }

        var reader = new FrameReader(received[(header - (format.Ascii ? 4 : 2))..header], format.Ascii);
        var dataLength = reader.UInt16();
        length = header + dataLength;
        if (length > MaxFrameLength)
        {
            throw new McFrameException($"MC frame of {length} bytes announced, more than the {MaxFrameLength} any read can need");
        }

        return true;
    }

    private static byte[] ExpectedSubheader(FrameFormat format, bool request) => (format.Type == FrameType.Frame4E, request, format.Ascii) switch
    {
        (false, true, false) => [0x50, 0x00],
        (true, true, false) => [0x54, 0x00],
        (false, false, false) => [0xD0, 0x00],
        (true, false, false) => [0xD4, 0x00],
        (false, true, true) => "5000"u8.ToArray(),
        (true, true, true) => "5400"u8.ToArray(),
        (false, false, true) => "D000"u8.ToArray(),
        _ => "D400"u8.ToArray(),
    };

    private static string Show(ReadOnlySpan<byte> bytes, bool ascii) =>
        ascii && bytes.ToArray().All(b => b is >= 0x20 and < 0x7F) ? "\"" + System.Text.Encoding.ASCII.GetString(bytes) + "\"" : Convert.ToHexString(bytes);

    /// <summary>A whole response frame, checked: its subheader, serial (4E), length; its end code and where its data is.</summary>
    public static McResponse ParseResponse(ReadOnlySpan<byte> frame, FrameFormat format, ushort expectedSerial)
    {
        if (!TryGetFrameLength(frame, format, request: false, out var length))
        {
            throw new McFrameException($"MC response of {frame.Length} byte(s) is shorter than its {HeaderLength(format)}-byte header");
        }

        if (length != frame.Length)
        {
            throw new McFrameException($"MC response announces {length} bytes but has {frame.Length}");
        }

        var reader = new FrameReader(frame, format.Ascii);
        reader.Take(format.Ascii ? 4 : 2, "the subheader");
        if (format.Type == FrameType.Frame4E)
        {
            var serial = reader.UInt16();
            if (serial != expectedSerial)
            {
                throw new McFrameException($"4E response carries serial number {serial}, the request had {expectedSerial}");
            }

            reader.UInt16();
        }

        reader.Take(format.Ascii ? 14 : 7, "the access route and length");
        var endCode = reader.UInt16();
        return new McResponse(endCode, reader.Position, frame.Length - reader.Position);
    }

    /// <summary>Batch read (0401): head device, points; subcommand 0000 words / 0001 bits (0002/0003 with the iQ-R extension).</summary>
    public static void WriteBatchRead(FrameWriter writer, DeviceAddress head, int points, bool bits, bool extended)
    {
        writer.UInt16(Command_BatchRead);
        writer.UInt16((bits, extended) switch { (false, false) => Sub_Words, (true, false) => Sub_Bits, (false, true) => Sub_WordsExtended, _ => Sub_BitsExtended });
        WriteDevice(writer, head, extended);
        writer.UInt16((ushort)points);
    }

    /// <summary>Random read (0403): word points, double-word points, then each device (SLMP "Read Random").</summary>
    public static void WriteRandomRead(FrameWriter writer, IReadOnlyList<DeviceAddress> words, IReadOnlyList<DeviceAddress> doubleWords, bool extended)
    {
        writer.UInt16(Command_RandomRead);
        writer.UInt16(extended ? Sub_WordsExtended : Sub_Words);
        writer.Byte((byte)words.Count);
        writer.Byte((byte)doubleWords.Count);
        foreach (var device in words)
        {
            WriteDevice(writer, device, extended);
        }

        foreach (var device in doubleWords)
        {
            WriteDevice(writer, device, extended);
        }
    }

    /// <summary>Binary: number then code; ASCII: code then number ("D*000100").</summary>
    public static void WriteDevice(FrameWriter writer, DeviceAddress device, bool extended)
    {
        if (writer.Ascii)
        {
            writer.DeviceCode(device.Device, extended);
            writer.DeviceNumber(device.Device, device.Number, extended);
        }
        else
        {
            writer.DeviceNumber(device.Device, device.Number, extended);
            writer.DeviceCode(device.Device, extended);
        }
    }

    /// <summary>Reads what <see cref="WriteDevice"/> wrote; throws for a device code not in the table.</summary>
    public static DeviceAddress ReadDevice(ref FrameReader reader, bool extended)
    {
        if (reader.Ascii)
        {
            var device = reader.DeviceCode(extended) ?? throw new McFrameException("unknown device code");
            return new DeviceAddress(device, reader.DeviceNumber(device, extended));
        }

        var number = (int)reader.Number(extended ? 4 : 3);
        var code = reader.DeviceCode(extended) ?? throw new McFrameException("unknown device code");
        return new DeviceAddress(code, number);
    }
}

/// <summary>A response's end code and where its data (or, on an end code other than 0, its error information) lies in the frame.</summary>
public readonly record struct McResponse(ushort EndCode, int DataOffset, int DataLength);
