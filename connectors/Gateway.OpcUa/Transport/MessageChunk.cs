using System.Buffers.Binary;

namespace Gateway.OpcUa.Transport;

/// <summary>The 8-byte header every UA-TCP and UASC message starts with (Part 6, 7.1.2.2 and 6.7.2.2).</summary>
public readonly record struct ChunkHeader(uint MessageType, byte ChunkType, uint MessageSize)
{
    public const int Size = 8;

    public const uint Hello = 'H' | ('E' << 8) | ('L' << 16);
    public const uint Acknowledge = 'A' | ('C' << 8) | ('K' << 16);
    public const uint Error = 'E' | ('R' << 8) | ('R' << 16);
    public const uint ReverseHello = 'R' | ('H' << 8) | ('E' << 16);
    public const uint Message = 'M' | ('S' << 8) | ('G' << 16);
    public const uint OpenChannel = 'O' | ('P' << 8) | ('N' << 16);
    public const uint CloseChannel = 'C' | ('L' << 8) | ('O' << 16);

    public const byte Final = (byte)'F';
    public const byte Intermediate = (byte)'C';
    public const byte Abort = (byte)'A';

    public static ChunkHeader Read(ReadOnlySpan<byte> bytes)
    {
        var word = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return new ChunkHeader(word & 0x00FFFFFF, (byte)(word >> 24), BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]));
    }

    public static void Write(Span<byte> bytes, uint messageType, byte chunkType, uint messageSize)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, messageType | ((uint)chunkType << 24));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], messageSize);
    }

    public string TypeName => new([(char)(MessageType & 0xFF), (char)((MessageType >> 8) & 0xFF), (char)((MessageType >> 16) & 0xFF)]);
}

/// <summary>One chunk as received: its header and everything after it (a pooled buffer owned by the receiver).</summary>
public sealed class ReceivedChunk
{
    public ReceivedChunk(ChunkHeader header, byte[] body, int length)
    {
        Header = header;
        Body = body;
        Length = length;
    }

    public ChunkHeader Header { get; }

    public byte[] Body { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Body.AsSpan(0, Length);
}
