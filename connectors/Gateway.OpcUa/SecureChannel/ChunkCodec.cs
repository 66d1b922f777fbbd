using System.Buffers;
using System.Buffers.Binary;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>The parts of a secure conversation chunk (Part 6, 6.7.2) after the 8-byte header.</summary>
public readonly ref struct ParsedChunk
{
    public ParsedChunk(uint channelId, uint tokenId, string? policyUri, uint sequenceNumber, uint requestId, ReadOnlySpan<byte> body)
    {
        ChannelId = channelId;
        TokenId = tokenId;
        PolicyUri = policyUri;
        SequenceNumber = sequenceNumber;
        RequestId = requestId;
        Body = body;
    }

    public uint ChannelId { get; }

    /// <summary>The symmetric token id (MSG, CLO); 0 for OPN.</summary>
    public uint TokenId { get; }

    /// <summary>The SecurityPolicyUri of an OPN chunk's asymmetric header.</summary>
    public string? PolicyUri { get; }

    public uint SequenceNumber { get; }

    public uint RequestId { get; }

    public ReadOnlySpan<byte> Body { get; }
}

/// <summary>
/// Splits an encoded message into secure conversation chunks and parses received chunks. Role-free: the client and
/// the server both use it. Security is applied per chunk through <see cref="ISecurityPolicy"/>.
/// </summary>
public static class ChunkCodec
{
    private const int SequenceHeaderSize = 8;

    /// <summary>Parses a chunk's security and sequence headers.</summary>
    public static ParsedChunk Parse(ReceivedChunk chunk, DecodingLimits limits)
    {
        var span = chunk.Span;
        var reader = new UaBinaryReader(span, limits);
        var channelId = reader.ReadUInt32();
        uint tokenId = 0;
        string? policy = null;
        if (chunk.Header.MessageType == ChunkHeader.OpenChannel)
        {
            // Part 6, 6.7.2.3: asymmetric security header.
            policy = reader.ReadString();
            reader.ReadByteString(); // SenderCertificate
            reader.ReadByteString(); // ReceiverCertificateThumbprint
        }
        else
        {
            tokenId = reader.ReadUInt32();
        }

        var sequence = reader.ReadUInt32();
        var requestId = reader.ReadUInt32();
        return new ParsedChunk(channelId, tokenId, policy, sequence, requestId, span[reader.Position..]);
    }

    /// <summary>
    /// Encodes <paramref name="body"/> as one or more chunks of <paramref name="messageType"/> into one buffer, checking
    /// the other side's message size and chunk count limits first (Part 6, 6.7.2.1: a message too large is refused before
    /// anything is sent).
    /// </summary>
    public static byte[] Encode(
        uint messageType,
        uint channelId,
        uint tokenId,
        string policyUri,
        uint requestId,
        ReadOnlySpan<byte> body,
        int maxChunkSize,
        TransportLimits remote,
        Func<uint> nextSequenceNumber)
    {
        var securityHeader = new ArrayBufferWriter<byte>(64);
        var headerWriter = new UaBinaryWriter(securityHeader);
        headerWriter.WriteUInt32(channelId);
        if (messageType == ChunkHeader.OpenChannel)
        {
            headerWriter.WriteString(policyUri);
            headerWriter.WriteByteString(null);
            headerWriter.WriteByteString(null);
        }
        else
        {
            headerWriter.WriteUInt32(tokenId);
        }

        var overhead = ChunkHeader.Size + securityHeader.WrittenCount + SequenceHeaderSize;
        var maxBody = maxChunkSize - overhead;
        if (maxBody <= 0)
        {
            throw new UaTransportException(StatusCodes.BadTcpNotEnoughResources, $"chunk size {maxChunkSize} leaves no room for a body");
        }

        if (remote.MaxMessageSize != 0 && body.Length > remote.MaxMessageSize)
        {
            throw new UaTransportException(StatusCodes.BadRequestTooLarge, $"the message of {body.Length} bytes exceeds the other side's limit of {remote.MaxMessageSize}");
        }

        var chunkCount = Math.Max(1, (body.Length + maxBody - 1) / maxBody);
        if (remote.MaxChunkCount != 0 && chunkCount > remote.MaxChunkCount)
        {
            throw new UaTransportException(StatusCodes.BadRequestTooLarge, $"the message needs {chunkCount} chunks; the other side accepts {remote.MaxChunkCount}");
        }

        var output = new byte[(chunkCount * overhead) + body.Length];
        var offset = 0;
        for (var i = 0; i < chunkCount; i++)
        {
            var part = body.Slice(i * maxBody, Math.Min(maxBody, body.Length - (i * maxBody)));
            var size = overhead + part.Length;
            var chunk = output.AsSpan(offset, size);
            ChunkHeader.Write(chunk, messageType, i == chunkCount - 1 ? ChunkHeader.Final : ChunkHeader.Intermediate, (uint)size);
            securityHeader.WrittenSpan.CopyTo(chunk[ChunkHeader.Size..]);
            var sequenceAt = ChunkHeader.Size + securityHeader.WrittenCount;
            BinaryPrimitives.WriteUInt32LittleEndian(chunk[sequenceAt..], nextSequenceNumber());
            BinaryPrimitives.WriteUInt32LittleEndian(chunk[(sequenceAt + 4)..], requestId);
            part.CopyTo(chunk[(sequenceAt + SequenceHeaderSize)..]);
            offset += size;
        }

        return output;
    }

    /// <summary>An Abort chunk body (Part 6, 6.7.3): the error code and a reason.</summary>
    public static (uint Code, string Reason) ParseAbort(ReadOnlySpan<byte> body)
    {
        var reader = new UaBinaryReader(body);
        var code = reader.Remaining >= 4 ? reader.ReadUInt32() : StatusCodes.BadCommunicationError;
        var reason = reader.Remaining >= 4 ? reader.ReadString() ?? "" : "";
        return (code, reason);
    }
}

/// <summary>
/// Collects the chunks of messages in flight, by request id, enforcing this side's message size and chunk count limits
/// as chunks arrive, so a hostile peer cannot make us keep more than we offered.
/// </summary>
public sealed class ChunkAssembler
{
    private readonly TransportLimits _limits;
    private readonly Dictionary<uint, Partial> _partials = [];

    public ChunkAssembler(TransportLimits limits) => _limits = limits;

    /// <summary>
    /// Adds a chunk body; returns the whole message when <paramref name="final"/> is set, else null. A message that
    /// breaks a limit throws once (so the caller fails that request); its remaining chunks are then dropped unread.
    /// </summary>
    public byte[]? Add(uint requestId, ReadOnlySpan<byte> body, bool final)
    {
        if (!_partials.TryGetValue(requestId, out var partial))
        {
            if (final)
            {
                CheckSize(requestId, body.Length, null);
                return body.ToArray();
            }

            partial = new Partial();
            _partials[requestId] = partial;
        }

        if (partial.Discarding)
        {
            if (final)
            {
                _partials.Remove(requestId);
            }

            return null;
        }

        partial.Chunks++;
        if (_limits.MaxChunkCount != 0 && partial.Chunks > _limits.MaxChunkCount)
        {
            Discard(requestId, partial, final);
            throw new UaTransportException(StatusCodes.BadResponseTooLarge, $"a message of more than {_limits.MaxChunkCount} chunks was received (MaxChunkCount)");
        }

        CheckSize(requestId, partial.Buffer.WrittenCount + body.Length, partial, final);
        partial.Buffer.Write(body);
        if (!final)
        {
            return null;
        }

        _partials.Remove(requestId);
        return partial.Buffer.WrittenSpan.ToArray();
    }

    private void Discard(uint requestId, Partial partial, bool final)
    {
        partial.Discarding = true;
        partial.Buffer.Clear();
        if (final)
        {
            _partials.Remove(requestId);
        }
    }

    private void CheckSize(uint requestId, long size, Partial? partial, bool final = true)
    {
        if (_limits.MaxMessageSize != 0 && size > _limits.MaxMessageSize)
        {
            if (partial is not null)
            {
                Discard(requestId, partial, final);
            }

            throw new UaTransportException(StatusCodes.BadResponseTooLarge, $"a message larger than MaxMessageSize ({_limits.MaxMessageSize} bytes) was received");
        }
    }

    public void Discard(uint requestId) => _partials.Remove(requestId);

    private sealed class Partial
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(65536);

        public int Chunks { get; set; }

        public bool Discarding { get; set; }
    }
}
