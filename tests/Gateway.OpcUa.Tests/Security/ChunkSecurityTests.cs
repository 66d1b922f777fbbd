using System.Buffers.Binary;
using System.Security.Cryptography;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>Key derivation and the signing, padding and encryption of chunks, in process (no server).</summary>
public sealed class ChunkSecurityTests
{
    private static readonly TransportLimits NoLimits = new() { MaxMessageSize = 0, MaxChunkCount = 0 };

    // RSA keys are slow to make: one per size for the whole class. 3072 bits is above 2048, so it needs ExtraPaddingSize.
    private static readonly Lazy<Dictionary<int, RSA>> Keys = new(() => new() { [2048] = RSA.Create(2048), [3072] = RSA.Create(3072) });

    [Fact]
    public void P_SHA256_matches_an_independent_computation()
    {
        // Expected bytes computed with Python's hmac module (RFC 5246 P_hash) for secret 0..31, seed 32..63.
        var output = new byte[80];
        PSha256.Derive(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), Enumerable.Range(32, 32).Select(i => (byte)i).ToArray(), output);
        Assert.Equal(
            "b72593c43fee5fafa0256cd6bb904ff40c066a225db95f66dd744e20858a2220ddf75067e3d76ac714c08e24eabd85ff425d7f5fb25e6e083b94b174e29db89bc513e9172274d5ed54e52a3552901ae0",
            Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Client_and_server_keys_differ_and_have_the_policy_lengths()
    {
        var clientNonce = RandomNumberGenerator.GetBytes(32);
        var serverNonce = RandomNumberGenerator.GetBytes(32);
        var material = new byte[32 + 16 + 16];
        PSha256.Derive(serverNonce, clientNonce, material);
        var other = new byte[material.Length];
        PSha256.Derive(clientNonce, serverNonce, other);
        Assert.NotEqual(material, other);
        Assert.Equal(16, SecurityPolicy.Aes128Sha256RsaOaep.EncryptionKeyLength);
        Assert.Equal(32, SecurityPolicy.Basic256Sha256.EncryptionKeyLength);
        Assert.Equal(32, SecurityPolicy.Aes256Sha256RsaPss.NonceLength);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_message_above_the_pooled_limit_round_trips_in_an_array_of_its_own_and_a_smaller_one_in_a_pooled_buffer(bool encrypt)
    {
        // The shared pool keeps what it gets back: a 5 MB request at connect must not hold 8 MB for the process's life.
        var (sender, receiver) = SymmetricPair(SecurityPolicy.Basic256Sha256, encrypt);
        var large = RandomNumberGenerator.GetBytes(ChunkCodec.PooledMessageLimit + 1);
        var small = RandomNumberGenerator.GetBytes(ChunkCodec.PooledMessageLimit / 4);
        var sequence = 0u;

        using (var encoded = ChunkCodec.Encode(ChunkHeader.Message, Header(7, 3), 5, large, 65536, NoLimits, () => ++sequence, sender))
        {
            Assert.False(encoded.IsPooled);
        }

        using (var encoded = ChunkCodec.Encode(ChunkHeader.Message, Header(7, 3), 5, small, 65536, NoLimits, () => ++sequence, sender))
        {
            Assert.True(encoded.IsPooled);
        }

        Assert.Equal(large, RoundTrip(ChunkHeader.Message, Header(7, 3), large, 65536, sender, receiver, out _));
        Assert.Equal(small, RoundTrip(ChunkHeader.Message, Header(7, 3), small, 65536, sender, receiver, out _));
    }

    [Theory]
    [InlineData(false, 10)]
    [InlineData(true, 10)]
    [InlineData(false, 100_000)]
    [InlineData(true, 100_000)]
    public void Symmetric_chunks_round_trip_over_several_chunks(bool encrypt, int bodyLength)
    {
        var (sender, receiver) = SymmetricPair(SecurityPolicy.Basic256Sha256, encrypt);
        var body = RandomNumberGenerator.GetBytes(bodyLength);
        var received = RoundTrip(ChunkHeader.Message, Header(7, 3), body, 8192, sender, receiver, out var chunks);

        Assert.Equal(body, received);
        Assert.True(chunks.Count >= bodyLength / 8192);
        Assert.All(chunks, c => Assert.True(c.Length <= 8192));
        if (encrypt)
        {
            // The body must not appear in clear on the wire; each chunk's encrypted part is whole AES blocks.
            Assert.All(chunks, c => Assert.Equal(0, (c.Length - 16) % 16));
            Assert.False(chunks[0].AsSpan().IndexOf(body.AsSpan(0, 8)) >= 0);
        }
        else
        {
            Assert.True(chunks[0].AsSpan().IndexOf(body.AsSpan(0, 8)) >= 0);
        }
    }

    [Theory]
    [InlineData("Basic256Sha256", 2048)]
    [InlineData("Aes128_Sha256_RsaOaep", 2048)]
    [InlineData("Aes256_Sha256_RsaPss", 2048)]
    [InlineData("Aes256_Sha256_RsaPss", 3072)]
    [InlineData("Basic256Sha256", 3072)]
    public void Asymmetric_chunks_round_trip_including_ExtraPaddingSize_for_big_keys(string policyName, int keySize)
    {
        var policy = SecurityPolicy.Find(SecurityPolicyUris.Resolve(policyName))!;
        var client = Keys.Value[2048];
        var server = Keys.Value[keySize];
        var sender = new AsymmetricChunkSecurity(policy, client, server);
        var receiver = new AsymmetricChunkSecurity(policy, client, server);
        Assert.Equal(keySize > 2048, sender.HasExtraPaddingSize);
        foreach (var length in new[] { 1, 100, 1000, 5000 })
        {
            var body = RandomNumberGenerator.GetBytes(length);
            var header = ChunkCodec.SecurityHeader(ChunkHeader.OpenChannel, 0, 0, policy.Uri, [1, 2, 3], new byte[20]);
            Assert.Equal(body, RoundTrip(ChunkHeader.OpenChannel, header, body, 65536, sender, receiver, out _));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_flipped_byte_anywhere_after_the_header_fails_the_security_checks(bool encrypt)
    {
        var (sender, receiver) = SymmetricPair(SecurityPolicy.Aes256Sha256RsaPss, encrypt);
        var body = RandomNumberGenerator.GetBytes(300);
        var sequence = 0u;
        using var encoded = ChunkCodec.Encode(ChunkHeader.Message, Header(1, 1), 9, body, 8192, NoLimits, () => ++sequence, sender);
        var chunk = encoded.Memory.ToArray();
        foreach (var at in new[] { 8, 12, 20, 100, chunk.Length - 40, chunk.Length - 1 })
        {
            var tampered = (byte[])chunk.Clone();
            tampered[at] ^= 0x01;
            var error = Assert.Throws<UaTransportException>(() => Open(tampered, receiver));
            Assert.True(error.StatusCode is StatusCodes.BadSecurityChecksFailed or StatusCodes.BadSecureChannelTokenUnknown, $"byte {at}: {error.StatusName}");
        }
    }

    [Fact]
    public void Bad_padding_under_a_valid_signature_fails_the_security_checks()
    {
        var keys = SecurityPolicy.Basic256Sha256.DeriveKeys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        var security = new SymmetricChunkSecurity(keys, encrypts: true);
        var sequence = 0u;
        using var encoded = ChunkCodec.Encode(ChunkHeader.Message, Header(1, 1), 9, new byte[21], 8192, NoLimits, () => ++sequence, security);
        var chunk = encoded.Memory.ToArray();

        // Decrypt, break one padding byte, then sign and encrypt again: only the padding check can catch it.
        var encrypted = chunk.AsSpan(16);
        keys.Decrypt(encrypted);
        var paddingSize = encrypted[^(SymmetricKeys.SignatureSize + 1)];
        Assert.True(paddingSize > 0);
        encrypted[^(SymmetricKeys.SignatureSize + 2)] ^= 0xFF;
        keys.Sign(chunk.AsSpan(0, 8), chunk.AsSpan(8, chunk.Length - 8 - SymmetricKeys.SignatureSize), chunk.AsSpan(chunk.Length - SymmetricKeys.SignatureSize));
        keys.Encrypt(encrypted);

        var error = Assert.Throws<UaTransportException>(() => Open(chunk, security));
        Assert.Equal(StatusCodes.BadSecurityChecksFailed, error.StatusCode);
        Assert.Contains("padding", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_mode_adds_a_signature_and_no_padding()
    {
        var (sender, _) = SymmetricPair(SecurityPolicy.Basic256Sha256, encrypt: false);
        var sequence = 0u;
        using var encoded = ChunkCodec.Encode(ChunkHeader.Message, Header(1, 1), 9, new byte[21], 8192, NoLimits, () => ++sequence, sender);
        Assert.Equal(8 + 8 + 8 + 21 + 32, encoded.Memory.Length);
    }

    [Fact]
    public void Password_secret_is_length_password_and_server_nonce_encrypted_for_the_server()
    {
        using var serverKey = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=server", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var serverCertificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var nonce = RandomNumberGenerator.GetBytes(32);
        Services.UserTokenPolicy[] policies = [new() { PolicyId = "pw", TokenType = Services.UserTokenType.UserName, SecurityPolicyUri = SecurityPolicyUris.Aes256Sha256RsaPss }];

        var identity = IdentityTokens.Build(UserIdentity.UserName("user1", "pässword1"), policies, SecurityPolicy.None, new ServerChallenge(serverCertificate, serverCertificate.RawData, nonce), "opc.tcp://test");

        var token = Assert.IsType<Services.UserNameIdentityToken>(identity.Token.Body);
        Assert.Equal("pw", token.PolicyId);
        Assert.Equal("http://opcfoundation.org/UA/security/rsa-oaep-sha2-256", token.EncryptionAlgorithm);
        var plain = serverKey.Decrypt(token.Password!, RSAEncryptionPadding.OaepSHA256);
        var password = System.Text.Encoding.UTF8.GetBytes("pässword1");
        Assert.Equal((uint)(password.Length + 32), BinaryPrimitives.ReadUInt32LittleEndian(plain));
        Assert.Equal(password, plain[4..^32]);
        Assert.Equal(nonce, plain[^32..]);
    }

    [Fact]
    public void A_password_is_never_put_in_clear_text_unless_allowed()
    {
        Services.UserTokenPolicy[] policies = [new() { PolicyId = "plain", TokenType = Services.UserTokenType.UserName, SecurityPolicyUri = SecurityPolicyUris.None }];
        var challenge = new ServerChallenge(null, null, null);

        var error = Assert.Throws<UaIdentityException>(() => IdentityTokens.Build(UserIdentity.UserName("u", "secret"), policies, SecurityPolicy.None, challenge, "opc.tcp://test"));
        Assert.Contains("clear text", error.Message, StringComparison.Ordinal);

        var allowed = IdentityTokens.Build(UserIdentity.UserName("u", "secret", allowPlainText: true), policies, SecurityPolicy.None, challenge, "opc.tcp://test");
        var token = Assert.IsType<Services.UserNameIdentityToken>(allowed.Token.Body);
        Assert.Equal("secret"u8.ToArray(), token.Password);
        Assert.Null(token.EncryptionAlgorithm);
        Assert.DoesNotContain("secret", UserIdentity.UserName("u", "secret").ToString(), StringComparison.Ordinal);
    }

    private static (ChunkSecurity Sender, ChunkSecurity Receiver) SymmetricPair(SecurityPolicy policy, bool encrypt)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var seed = RandomNumberGenerator.GetBytes(32);
        return (new SymmetricChunkSecurity(policy.DeriveKeys(secret, seed), encrypt), new SymmetricChunkSecurity(policy.DeriveKeys(secret, seed), encrypt));
    }

    private static byte[] Header(uint channelId, uint tokenId) => ChunkCodec.SecurityHeader(ChunkHeader.Message, channelId, tokenId, "", null, null);

    private static byte[] RoundTrip(uint messageType, byte[] securityHeader, byte[] body, int chunkSize, ChunkSecurity sender, ChunkSecurity receiver, out List<byte[]> chunks)
    {
        var sequence = 100u;
        using var encoded = ChunkCodec.Encode(messageType, securityHeader, 5, body, chunkSize, NoLimits, () => ++sequence, sender);
        var wire = encoded.Memory.ToArray();
        chunks = [];
        var result = new List<byte>();
        var expectedSequence = 101u;
        for (var offset = 0; offset < wire.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(wire.AsSpan(offset + 4));
            var chunk = wire.AsSpan(offset, size).ToArray();
            chunks.Add(chunk);
            var (sequenceNumber, requestId, part) = Open(chunk, receiver);
            Assert.Equal(expectedSequence++, sequenceNumber);
            Assert.Equal(5u, requestId);
            result.AddRange(part);
            offset += size;
        }

        return result.ToArray();
    }

    private static (uint Sequence, uint RequestId, byte[] Body) Open(byte[] wireChunk, ChunkSecurity security)
    {
        var header = ChunkHeader.Read(wireChunk);
        var received = new ReceivedChunk(header, wireChunk[8..], wireChunk.Length - 8);
        var securityHeader = ChunkCodec.ReadSecurityHeader(received, DecodingLimits.Default);
        var parsed = ChunkCodec.Open(received, securityHeader, security);
        return (parsed.SequenceNumber, parsed.RequestId, parsed.Body.ToArray());
    }
}
