namespace Gateway.Melsec.Frames;

/// <summary>
/// The data of a read response. Words: binary 2 bytes little-endian each, ASCII 4 hexadecimal characters each. Bits:
/// binary 4 bits per point, two points per byte (the first point in the upper nibble; an odd count pads the last lower
/// nibble with 0), ASCII one character '0' or '1' per point. Double words (random read): 4 bytes / 8 characters.
/// </summary>
public static class McData
{
    public static int WordBytes(bool ascii) => ascii ? 4 : 2;

    public static int BitBytes(int points, bool ascii) => ascii ? points : (points + 1) / 2;

    public static void ReadWords(ReadOnlySpan<byte> data, bool ascii, Span<ushort> into)
    {
        var need = into.Length * WordBytes(ascii);
        if (data.Length != need)
        {
            throw new McFrameException($"read response has {data.Length} data byte(s) for {into.Length} word(s); expected {need}");
        }

        if (!ascii && BitConverter.IsLittleEndian)
        {
            // Binary words are little-endian: on this machine the bytes are the words.
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data).CopyTo(into);
            return;
        }

        var reader = new FrameReader(data, ascii);
        for (var i = 0; i < into.Length; i++)
        {
            into[i] = reader.UInt16();
        }
    }

    public static void ReadBits(ReadOnlySpan<byte> data, bool ascii, Span<bool> into)
    {
        var need = BitBytes(into.Length, ascii);
        if (data.Length != need)
        {
            throw new McFrameException($"read response has {data.Length} data byte(s) for {into.Length} bit(s); expected {need}");
        }

        for (var i = 0; i < into.Length; i++)
        {
            if (ascii)
            {
                into[i] = data[i] switch
                {
                    (byte)'0' => false,
                    (byte)'1' => true,
                    var c => throw new McFrameException($"bit {i} of an ASCII read response is 0x{c:X2}, not '0' or '1'"),
                };
            }
            else
            {
                var nibble = (i % 2 == 0 ? data[i / 2] >> 4 : data[i / 2]) & 0x0F;
                if (nibble > 1)
                {
                    throw new McFrameException($"bit {i} of a binary read response is {nibble:X}h, not 0 or 1");
                }

                into[i] = nibble == 1;
            }
        }
    }

    public static void WriteWords(FrameWriter writer, ReadOnlySpan<ushort> words)
    {
        foreach (var word in words)
        {
            writer.UInt16(word);
        }
    }

    public static void WriteBits(FrameWriter writer, ReadOnlySpan<bool> bits)
    {
        if (writer.Ascii)
        {
            Span<byte> one = stackalloc byte[1];
            foreach (var bit in bits)
            {
                one[0] = bit ? (byte)'1' : (byte)'0';
                writer.Raw(one);
            }

            return;
        }

        var packed = new byte[(bits.Length + 1) / 2];
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                packed[i / 2] |= (byte)(i % 2 == 0 ? 0x10 : 0x01);
            }
        }

        writer.Raw(packed);
    }
}
