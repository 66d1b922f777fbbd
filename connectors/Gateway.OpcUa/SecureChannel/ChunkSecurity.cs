using System.Security.Cryptography;
using Gateway.OpcUa.Security;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>
/// What protects the chunks of one direction (Part 6, 6.7.2.5): the signature appended to each chunk and the encryption
/// of everything after the security header. The chunk codec asks it for sizes and to sign / verify / encrypt / decrypt.
/// </summary>
public abstract class ChunkSecurity
{
    /// <summary>Bytes of signature at the end of each chunk.</summary>
    public abstract int SignatureSize { get; }

    public abstract bool Encrypts { get; }

    /// <summary>Bytes of plain text per encrypted block (padding rounds the plain text up to a multiple of it).</summary>
    public abstract int PlainTextBlockSize { get; }

    public abstract int CipherTextBlockSize { get; }

    /// <summary>Keys longer than 2048 bits need a second padding-size byte (ExtraPaddingSize).</summary>
    public bool HasExtraPaddingSize => Encrypts && CipherTextBlockSize > 256;

    /// <summary>Signs <paramref name="header"/> then <paramref name="rest"/> (contiguous or not) into <paramref name="signature"/>.</summary>
    public abstract void Sign(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, Span<byte> signature);

    public abstract bool Verify(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> signature);

    /// <summary>Encrypts whole plain-text blocks; returns the cipher-text bytes written (may be more than the plain text).</summary>
    public abstract int Encrypt(ReadOnlySpan<byte> plain, Span<byte> cipher);

    /// <summary>Decrypts whole cipher-text blocks; returns the plain-text bytes written.</summary>
    public abstract int Decrypt(ReadOnlySpan<byte> cipher, Span<byte> plain);

    /// <summary>True when cipher and plain text of a block have the same size (AES), so decryption can happen in place.</summary>
    public bool DecryptsInPlace => PlainTextBlockSize == CipherTextBlockSize;
}

/// <summary>MSG and CLO chunks of one token in one direction: HMAC-SHA256, and AES-CBC in SignAndEncrypt mode.</summary>
public sealed class SymmetricChunkSecurity : ChunkSecurity
{
    private readonly SymmetricKeys _keys;
    private readonly bool _encrypts;

    public SymmetricChunkSecurity(SymmetricKeys keys, bool encrypts)
    {
        _keys = keys;
        _encrypts = encrypts;
    }

    public override int SignatureSize => SymmetricKeys.SignatureSize;

    public override bool Encrypts => _encrypts;

    public override int PlainTextBlockSize => _encrypts ? 16 : 1;

    public override int CipherTextBlockSize => PlainTextBlockSize;

    public override void Sign(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, Span<byte> signature) => _keys.Sign(header, rest, signature);

    public override bool Verify(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> signature) => _keys.Verify(header, rest, signature);

    public override int Encrypt(ReadOnlySpan<byte> plain, Span<byte> cipher)
    {
        if (!plain.Overlaps(cipher))
        {
            plain.CopyTo(cipher);
        }

        _keys.Encrypt(cipher[..plain.Length]);
        return plain.Length;
    }

    public override int Decrypt(ReadOnlySpan<byte> cipher, Span<byte> plain)
    {
        if (!cipher.Overlaps(plain))
        {
            cipher.CopyTo(plain);
        }

        _keys.Decrypt(plain[..cipher.Length]);
        return cipher.Length;
    }
}

/// <summary>
/// OPN chunks (Part 6, 6.7.2.3): signed with the sender's private key and encrypted with the receiver's public key, in
/// both Sign and SignAndEncrypt modes. One instance per direction: for sending, <paramref name="signatureKey"/> is our
/// private key and <paramref name="encryptionKey"/> the peer's public key; for receiving, the other way round.
/// </summary>
public sealed class AsymmetricChunkSecurity(SecurityPolicy policy, RSA signatureKey, RSA encryptionKey) : ChunkSecurity
{
    public override int SignatureSize => SecurityPolicy.SignatureSize(signatureKey);

    public override bool Encrypts => true;

    public override int PlainTextBlockSize => policy.PlainTextBlockSize(encryptionKey);

    public override int CipherTextBlockSize => SecurityPolicy.CipherTextBlockSize(encryptionKey);

    public override void Sign(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, Span<byte> signature) =>
        policy.Sign(signatureKey, Concat(header, rest), signature);

    public override bool Verify(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> signature) =>
        policy.Verify(signatureKey, Concat(header, rest), signature);

    public override int Encrypt(ReadOnlySpan<byte> plain, Span<byte> cipher) => policy.Encrypt(encryptionKey, plain, cipher);

    public override int Decrypt(ReadOnlySpan<byte> cipher, Span<byte> plain) => policy.Decrypt(encryptionKey, cipher, plain);

    // OPN chunks are rare (one per token): a copy is simpler than a streaming RSA signature.
    private static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var all = new byte[first.Length + second.Length];
        first.CopyTo(all);
        second.CopyTo(all.AsSpan(first.Length));
        return all;
    }
}
