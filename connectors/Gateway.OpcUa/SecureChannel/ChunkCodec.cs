using System.Buffers;
using System.Buffers.Binary;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>A chunk's security header (Part 6, 6.7.2.3 asymmetric for OPN, 6.7.2.4 symmetric for MSG and CLO), after the 8-byte message header.</summary>
public readonly record struct ChunkSecurityHeader(
    uint ChannelId,
    uint TokenId,
    string? PolicyUri,
    byte[]? SenderCertificate,
    byte[]? ReceiverCertificateThumbprint,
    int Length);

/// <summary>The parts of a secure conversation chunk (Part 6, 6.7.2) after the 8-byte header, decrypted and verified.</summary>
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

    /// <summary>The message body part, without padding and signature.</summary>
    public ReadOnlySpan<byte> Body { get; }
}

/// <summary>Encoded chunks, in a pooled buffer unless the message is large: write <see cref="Memory"/>, then dispose to return the buffer.</summary>
public readonly struct EncodedChunks : IDisposable
{
    private readonly byte[] _buffer;
    private readonly int _length;

    public EncodedChunks(byte[] buffer, int length)
        : this(buffer, length, pooled: true)
    {
    }

    internal EncodedChunks(byte[] buffer, int length, bool pooled)
    {
        _buffer = buffer;
        _length = length;
        IsPooled = pooled;
    }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>The buffer came from the shared pool and goes back to it on <see cref="Dispose"/>.</summary>
    internal bool IsPooled { get; }

    public void Dispose()
    {
        if (IsPooled)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>
/// Splits an encoded message into secure conversation chunks and parses received chunks. Role-free: the client and
/// the server both use it. Signing, padding and encryption are applied per chunk through <see cref="ChunkSecurity"/>;
/// null means SecurityPolicy None.
/// </summary>
public static class ChunkCodec
{
    private const int SequenceHeaderSize = 8;

    /// <summary>The largest encoded message <see cref="Encode"/> puts in a pooled buffer (Publish answers and polls of a few thousand tags stay below it).</summary>
    internal const int PooledMessageLimit = 1 << 20;

    /// <summary>Reads a chunk's security header; the sender certificate and thumbprint are copied (OPN only).</summary>
    public static ChunkSecurityHeader ReadSecurityHeader(ReceivedChunk chunk, DecodingLimits limits)
    {
        var reader = new UaBinaryReader(chunk.Span, limits);
        var channelId = reader.ReadUInt32();
        if (chunk.Header.MessageType == ChunkHeader.OpenChannel)
        {
            var policy = reader.ReadString();
            var sender = reader.ReadByteString();
            var thumbprint = reader.ReadByteString();
            return new ChunkSecurityHeader(channelId, 0, policy, sender, thumbprint, reader.Position);
        }

        return new ChunkSecurityHeader(channelId, reader.ReadUInt32(), null, null, null, reader.Position);
    }

    /// <summary>Parses an unsecured chunk (SecurityPolicy None).</summary>
    public static ParsedChunk Parse(ReceivedChunk chunk, DecodingLimits limits) => Open(chunk, ReadSecurityHeader(chunk, limits), null);

    /// <summary>
    /// Decrypts (in place for AES) and verifies a chunk, checks and strips its padding and signature, and reads its
    /// sequence header. A chunk that fails any check throws <see cref="UaTransportException"/> BadSecurityChecksFailed:
    /// the stream can no longer be trusted.
    /// </summary>
    public static ParsedChunk Open(ReceivedChunk chunk, ChunkSecurityHeader header, ChunkSecurity? security)
    {
        var span = chunk.Body.AsSpan(0, chunk.Length);
        Span<byte> messageHeader = stackalloc byte[ChunkHeader.Size];
        ChunkHeader.Write(messageHeader, chunk.Header.MessageType, chunk.Header.ChunkType, chunk.Header.MessageSize);
        var secured = span[header.Length..];
        Span<byte> plain;
        ReadOnlySpan<byte> signedRest;
        if (security is null)
        {
            plain = secured;
            signedRest = default;
        }
        else
        {
            if (security.Encrypts && secured.Length % security.CipherTextBlockSize != 0)
            {
                throw Failed($"{secured.Length} encrypted bytes are not a whole number of {security.CipherTextBlockSize}-byte blocks");
            }

            if (!security.Encrypts)
            {
                plain = secured;
                signedRest = span;
            }
            else if (security.DecryptsInPlace)
            {
                security.Decrypt(secured, secured);
                plain = secured;
                signedRest = span;
            }
            else
            {
                // RSA: the plain text is shorter than the cipher text; keep header + plain text contiguous for the signature.
                var copy = new byte[secured.Length + header.Length];
                span[..header.Length].CopyTo(copy);
                int written;
                try
                {
                    written = security.Decrypt(secured, copy.AsSpan(header.Length));
                }
                catch (System.Security.Cryptography.CryptographicException e)
                {
                    throw Failed($"the asymmetric decryption failed ({e.Message})");
                }

                plain = copy.AsSpan(header.Length, written);
                signedRest = copy.AsSpan(0, header.Length + written);
            }

            var signatureSize = security.SignatureSize;
            if (plain.Length < SequenceHeaderSize + signatureSize)
            {
                throw Failed($"a chunk of {plain.Length} bytes is too short for its signature");
            }

            var signature = plain[^signatureSize..];
            if (!security.Verify(messageHeader, signedRest[..^signatureSize], signature))
            {
                throw Failed("the chunk's signature is invalid");
            }

            plain = plain[..^signatureSize];
            if (security.Encrypts)
            {
                plain = StripPadding(plain, security.HasExtraPaddingSize);
            }
        }

        if (plain.Length < SequenceHeaderSize)
        {
            throw new UaTransportException(StatusCodes.BadDecodingError, "a chunk is too short for its sequence header");
        }

        var sequence = BinaryPrimitives.ReadUInt32LittleEndian(plain);
        var requestId = BinaryPrimitives.ReadUInt32LittleEndian(plain[4..]);
        return new ParsedChunk(header.ChannelId, header.TokenId, header.PolicyUri, sequence, requestId, plain[SequenceHeaderSize..]);
    }

    // Part 6, 6.7.2.5: PaddingSize, then PaddingSize bytes each equal to it, then ExtraPaddingSize (high byte) for big keys.
    private static Span<byte> StripPadding(Span<byte> plain, bool extraPaddingSize)
    {
        var end = plain.Length;
        var padding = 0;
        if (extraPaddingSize)
        {
            padding = plain[--end] << 8;
        }

        if (end < 1)
        {
            throw Failed("the chunk has no padding size");
        }

        var low = plain[end - 1];
        padding |= low;
        var bodyEnd = end - 1 - padding;
        if (bodyEnd < SequenceHeaderSize)
        {
            throw Failed($"the padding size {padding} is larger than the chunk");
        }

        foreach (var b in plain[bodyEnd..(end - 1)])
        {
            if (b != low)
            {
                throw Failed("the chunk's padding bytes are not all equal to the padding size");
            }
        }

        return plain[..bodyEnd];
    }

    private static UaTransportException Failed(string why) => new(StatusCodes.BadSecurityChecksFailed, why);

    /// <summary>The security header of a chunk: channel id, then the asymmetric header (OPN) or the token id.</summary>
    public static byte[] SecurityHeader(uint messageType, uint channelId, uint tokenId, string policyUri, byte[]? senderCertificate, byte[]? receiverThumbprint)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (senderCertificate?.Length ?? 0));
        var writer = new UaBinaryWriter(buffer);
        writer.WriteUInt32(channelId);
        if (messageType == ChunkHeader.OpenChannel)
        {
            writer.WriteString(policyUri);
            writer.WriteByteString(senderCertificate);
            writer.WriteByteString(receiverThumbprint);
        }
        else
        {
            writer.WriteUInt32(tokenId);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes an unsecured message (SecurityPolicy None) into one exactly sized array.</summary>
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
        var securityHeader = SecurityHeader(messageType, channelId, tokenId, policyUri, null, null);
        var layout = Plan(securityHeader.Length, body.Length, maxChunkSize, remote, null);
        var output = new byte[layout.TotalSize];
        Write(output, messageType, securityHeader, requestId, body, layout, nextSequenceNumber, null);
        return output;
    }

    /// <summary>
    /// Encodes <paramref name="body"/> as one or more chunks of <paramref name="messageType"/>, each signed, padded and
    /// encrypted as <paramref name="security"/> says, into a pooled buffer. The other side's message size and chunk count
    /// limits are checked first (Part 6, 6.7.2.1: a message too large is refused before anything is sent). Sequence
    /// numbers are taken in chunk order, so the caller must send the result before encoding the next message.
    /// </summary>
    public static EncodedChunks Encode(
        uint messageType,
        ReadOnlySpan<byte> securityHeader,
        uint requestId,
        ReadOnlySpan<byte> body,
        int maxChunkSize,
        TransportLimits remote,
        Func<uint> nextSequenceNumber,
        ChunkSecurity? security)
    {
        var layout = Plan(securityHeader.Length, body.Length, maxChunkSize, remote, security);
        // A message over PooledMessageLimit (a Read of 100,000 nodes at connect: about 5 MB) gets an array of its own:
        // the shared pool keeps what it is given back, so one such message at start held 8 MB for the process's life.
        var pooled = layout.TotalSize <= PooledMessageLimit;
        var output = pooled ? ArrayPool<byte>.Shared.Rent(layout.TotalSize) : new byte[layout.TotalSize];
        try
        {
            Write(output.AsSpan(0, layout.TotalSize), messageType, securityHeader, requestId, body, layout, nextSequenceNumber, security);
        }
        catch
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(output);
            }

            throw;
        }

        return new EncodedChunks(output, layout.TotalSize, pooled);
    }

    private readonly record struct Layout(int HeaderSize, int MaxBody, int ChunkCount, int TotalSize);

    private static Layout Plan(int securityHeaderSize, int bodyLength, int maxChunkSize, TransportLimits remote, ChunkSecurity? security)
    {
        var headerSize = ChunkHeader.Size + securityHeaderSize;
        int maxBody;
        if (security is { Encrypts: true })
        {
            // Part 6, 6.7.2.5: as many whole cipher-text blocks as fit, less sequence header, padding size byte(s) and signature.
            var blocks = (maxChunkSize - headerSize) / security.CipherTextBlockSize;
            maxBody = (blocks * security.PlainTextBlockSize) - SequenceHeaderSize - security.SignatureSize - PaddingSizeBytes(security);
        }
        else
        {
            maxBody = maxChunkSize - headerSize - SequenceHeaderSize - (security?.SignatureSize ?? 0);
        }

        if (maxBody <= 0)
        {
            throw new UaTransportException(StatusCodes.BadTcpNotEnoughResources, $"chunk size {maxChunkSize} leaves no room for a body");
        }

        if (remote.MaxMessageSize != 0 && bodyLength > remote.MaxMessageSize)
        {
            throw new UaTransportException(StatusCodes.BadRequestTooLarge, $"the message of {bodyLength} bytes exceeds the other side's limit of {remote.MaxMessageSize}");
        }

        var chunkCount = Math.Max(1, (bodyLength + maxBody - 1) / maxBody);
        if (remote.MaxChunkCount != 0 && chunkCount > remote.MaxChunkCount)
        {
            throw new UaTransportException(StatusCodes.BadRequestTooLarge, $"the message needs {chunkCount} chunks; the other side accepts {remote.MaxChunkCount}");
        }

        var total = ((chunkCount - 1) * ChunkSize(headerSize, maxBody, security).Size) + ChunkSize(headerSize, bodyLength - ((chunkCount - 1) * maxBody), security).Size;
        return new Layout(headerSize, maxBody, chunkCount, total);
    }

    private static int PaddingSizeBytes(ChunkSecurity security) => security.HasExtraPaddingSize ? 2 : 1;

    /// <summary>A chunk's size on the wire, its plain-text size (sequence header to signature) and its padding.</summary>
    private static (int Size, int PlainSize, int Padding) ChunkSize(int headerSize, int bodyLength, ChunkSecurity? security)
    {
        var plain = SequenceHeaderSize + bodyLength + (security?.SignatureSize ?? 0);
        if (security is not { Encrypts: true })
        {
            return (headerSize + plain, plain, 0);
        }

        plain += PaddingSizeBytes(security);
        var block = security.PlainTextBlockSize;
        var padding = (block - (plain % block)) % block;
        plain += padding;
        return (headerSize + (plain / block * security.CipherTextBlockSize), plain, padding);
    }

    private static void Write(
        Span<byte> output,
        uint messageType,
        ReadOnlySpan<byte> securityHeader,
        uint requestId,
        ReadOnlySpan<byte> body,
        Layout layout,
        Func<uint> nextSequenceNumber,
        ChunkSecurity? security)
    {
        var offset = 0;
        for (var i = 0; i < layout.ChunkCount; i++)
        {
            var part = body.Slice(i * layout.MaxBody, Math.Min(layout.MaxBody, body.Length - (i * layout.MaxBody)));
            var (size, plainSize, padding) = ChunkSize(layout.HeaderSize, part.Length, security);
            var chunk = output.Slice(offset, size);
            ChunkHeader.Write(chunk, messageType, i == layout.ChunkCount - 1 ? ChunkHeader.Final : ChunkHeader.Intermediate, (uint)size);
            securityHeader.CopyTo(chunk[ChunkHeader.Size..]);
            var plain = chunk.Slice(layout.HeaderSize, plainSize);
            BinaryPrimitives.WriteUInt32LittleEndian(plain, nextSequenceNumber());
            BinaryPrimitives.WriteUInt32LittleEndian(plain[4..], requestId);
            part.CopyTo(plain[SequenceHeaderSize..]);
            if (security is not null)
            {
                Seal(chunk, plain, SequenceHeaderSize + part.Length, padding, security);
            }

            offset += size;
        }
    }

    /// <summary>Pads, signs (headers through padding) and encrypts (sequence header through signature) one chunk.</summary>
    private static void Seal(Span<byte> chunk, Span<byte> plain, int paddingAt, int padding, ChunkSecurity security)
    {
        if (security.Encrypts)
        {
            plain.Slice(paddingAt, padding + 1).Fill((byte)padding);
            if (security.HasExtraPaddingSize)
            {
                plain[paddingAt + padding + 1] = (byte)(padding >> 8);
            }
        }

        var headerSize = chunk.Length - (security.Encrypts ? plain.Length / security.PlainTextBlockSize * security.CipherTextBlockSize : plain.Length);
        var signedSize = headerSize + plain.Length - security.SignatureSize;
        security.Sign(chunk[..ChunkHeader.Size], chunk[ChunkHeader.Size..signedSize], chunk.Slice(signedSize, security.SignatureSize));
        if (!security.Encrypts)
        {
            return;
        }

        if (security.DecryptsInPlace)
        {
            security.Encrypt(plain, plain);
            return;
        }

        var copy = ArrayPool<byte>.Shared.Rent(plain.Length);
        try
        {
            plain.CopyTo(copy);
            security.Encrypt(copy.AsSpan(0, plain.Length), chunk[headerSize..]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
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
