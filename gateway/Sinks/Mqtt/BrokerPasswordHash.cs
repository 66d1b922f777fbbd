using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// A password hash for the embedded broker's users, in the PHC string format
/// (https://github.com/P-H-C/phc-string-format): <c>$pbkdf2-sha256$i=ITERATIONS$SALT$HASH</c>, PBKDF2-HMAC-SHA256
/// (RFC 8018, 5.2), salt and hash in base64 without padding. `gateway mqtt-password` makes one.
/// </summary>
public sealed class BrokerPasswordHash
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about a quarter of a second per connect on a small PC.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Fewer iterations make a stolen hash cheap to guess; refused.</summary>
    public const int MinimumIterations = 10_000;

    private const string Prefix = "$pbkdf2-sha256$i=";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private BrokerPasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        Iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    public int Iterations { get; }

    /// <summary>Hashes a password with a new random salt.</summary>
    public static BrokerPasswordHash Create(string password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new BrokerPasswordHash(iterations, salt, Derive(password, salt, iterations, HashBytes));
    }

    public static bool TryParse(string? text, out BrokerPasswordHash hash, out string problem)
    {
        hash = null!;
        const string Expected = "expected $pbkdf2-sha256$i=ITERATIONS$SALT$HASH (make one with `gateway mqtt-password`)";
        if (string.IsNullOrEmpty(text) || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"not a password hash; {Expected}";
            return false;
        }

        var parts = text[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            problem = $"malformed password hash; {Expected}";
            return false;
        }

        if (iterations < MinimumIterations)
        {
            problem = $"the hash uses {iterations} iterations, fewer than {MinimumIterations}; make a new one with `gateway mqtt-password`";
            return false;
        }

        if (!TryDecode(parts[1], out var salt) || salt.Length < 8 || !TryDecode(parts[2], out var digest) || digest.Length < 16)
        {
            problem = $"the salt or hash of the password hash is not base64 of the right length; {Expected}";
            return false;
        }

        hash = new BrokerPasswordHash(iterations, salt, digest);
        problem = "";
        return true;
    }

    /// <summary>Whether the password matches, compared in constant time.</summary>
    public bool Verify(ReadOnlySpan<byte> password) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, _salt, Iterations, _hash.Length), _hash);

    public override string ToString() =>
        $"{Prefix}{Iterations.ToString(CultureInfo.InvariantCulture)}${Encode(_salt)}${Encode(_hash)}";

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Derive(Encoding.UTF8.GetBytes(password), salt, iterations, length);

    private static byte[] Derive(ReadOnlySpan<byte> password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, length);

    // PHC strings use base64 without the '=' padding.
    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text + new string('=', (4 - (text.Length % 4)) % 4);
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
