using System.Security.Cryptography;

namespace Gateway.OpcUa.Security;

/// <summary>
/// The derived keys of one direction of one security token: HMAC-SHA256 signing and AES-CBC encryption. The AES key
/// schedule and the HMAC state are made once per token and reused for every chunk. Not thread-safe: the sender uses it
/// under its send lock, the receiver from its one receive loop.
/// </summary>
public sealed class SymmetricKeys : IDisposable
{
    private readonly Aes? _aes;
    private readonly IncrementalHash? _hmac;
    private readonly byte[] _iv;

    public SymmetricKeys(byte[] signingKey, byte[] encryptingKey, byte[] initializationVector)
    {
        _iv = initializationVector;
        if (signingKey.Length > 0)
        {
            _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, signingKey);
        }

        if (encryptingKey.Length > 0)
        {
            _aes = Aes.Create();
            _aes.Key = encryptingKey;
        }
    }

    public const int SignatureSize = 32;

    /// <summary>HMAC-SHA256 over <paramref name="first"/> then <paramref name="second"/> (the header and the rest need not be contiguous).</summary>
    public void Sign(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> signature)
    {
        var hmac = _hmac ?? throw new InvalidOperationException("no signing key");
        hmac.AppendData(first);
        hmac.AppendData(second);
        hmac.GetHashAndReset(signature);
    }

    public bool Verify(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> signature)
    {
        Span<byte> expected = stackalloc byte[SignatureSize];
        Sign(first, second, expected);
        return signature.Length == SignatureSize && CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    /// <summary>AES-CBC in place; the length is a multiple of the block size (the chunk padding sees to it).</summary>
    public void Encrypt(Span<byte> data) =>
        (_aes ?? throw new InvalidOperationException("no encrypting key")).EncryptCbc(data, _iv, data, PaddingMode.None);

    public void Decrypt(Span<byte> data) =>
        (_aes ?? throw new InvalidOperationException("no encrypting key")).DecryptCbc(data, _iv, data, PaddingMode.None);

    public void Dispose()
    {
        _aes?.Dispose();
        _hmac?.Dispose();
    }
}
