using System.Security.Cryptography;

namespace Gateway.OpcUa.Security;

/// <summary>
/// The P_SHA256 pseudo-random function of TLS 1.2 (RFC 5246, 5), which OPC UA uses to derive the symmetric channel keys
/// (Part 6, 6.7.5): A(0) = seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(1) + seed) | HMAC(secret, A(2) + seed) | ...
/// </summary>
public static class PSha256
{
    private const int HashSize = 32;

    public static void Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        var a = new byte[HashSize];
        var input = new byte[HashSize + seed.Length];
        seed.CopyTo(input.AsSpan(HashSize));
        Span<byte> block = stackalloc byte[HashSize];
        HMACSHA256.HashData(secret, seed, a);
        var written = 0;
        while (written < output.Length)
        {
            a.CopyTo(input, 0);
            HMACSHA256.HashData(secret, input, block);
            var take = Math.Min(HashSize, output.Length - written);
            block[..take].CopyTo(output[written..]);
            written += take;
            HMACSHA256.HashData(secret, a, a);
        }
    }
}
