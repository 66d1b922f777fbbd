using System.Security.Cryptography;

namespace Gateway.OpcUa.Security;

/// <summary>
/// The algorithms and sizes of one SecurityPolicy (Part 7 security policy profiles). The asymmetric operations take the
/// RSA keys of the certificates involved; the symmetric ones happen per token in <see cref="SymmetricKeys"/>.
/// </summary>
public sealed class SecurityPolicy
{
    private const string RsaOaepSha1 = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";
    private const string RsaOaepSha256 = "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256";
    private const string RsaPkcs15Sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    private const string RsaPssSha256 = "http://opcfoundation.org/UA/security/rsa-pss-sha2-256";

    private SecurityPolicy(
        string uri,
        int encryptionKeyLength,
        RSAEncryptionPadding encryptionPadding,
        string encryptionAlgorithmUri,
        RSASignaturePadding signaturePadding,
        string signatureAlgorithmUri)
    {
        Uri = uri;
        EncryptionKeyLength = encryptionKeyLength;
        EncryptionPadding = encryptionPadding;
        AsymmetricEncryptionAlgorithmUri = encryptionAlgorithmUri;
        SignaturePadding = signaturePadding;
        AsymmetricSignatureAlgorithmUri = signatureAlgorithmUri;
    }

    public static SecurityPolicy None { get; } = new(SecurityPolicyUris.None, 0, RSAEncryptionPadding.OaepSHA1, "", RSASignaturePadding.Pkcs1, "");

    /// <summary>RSA-OAEP (SHA-1) key transport, RSA-PKCS#1 v1.5 SHA-256 signatures, AES-256-CBC, HMAC-SHA256.</summary>
    public static SecurityPolicy Basic256Sha256 { get; } =
        new(SecurityPolicyUris.Basic256Sha256, 32, RSAEncryptionPadding.OaepSHA1, RsaOaepSha1, RSASignaturePadding.Pkcs1, RsaPkcs15Sha256);

    /// <summary>RSA-OAEP (SHA-1), RSA-PKCS#1 v1.5 SHA-256, AES-128-CBC, HMAC-SHA256.</summary>
    public static SecurityPolicy Aes128Sha256RsaOaep { get; } =
        new(SecurityPolicyUris.Aes128Sha256RsaOaep, 16, RSAEncryptionPadding.OaepSHA1, RsaOaepSha1, RSASignaturePadding.Pkcs1, RsaPkcs15Sha256);

    /// <summary>RSA-OAEP with SHA-256, RSA-PSS SHA-256 signatures, AES-256-CBC, HMAC-SHA256.</summary>
    public static SecurityPolicy Aes256Sha256RsaPss { get; } =
        new(SecurityPolicyUris.Aes256Sha256RsaPss, 32, RSAEncryptionPadding.OaepSHA256, RsaOaepSha256, RSASignaturePadding.Pss, RsaPssSha256);

    private static readonly SecurityPolicy[] All = [Aes256Sha256RsaPss, Basic256Sha256, Aes128Sha256RsaOaep, None];

    public string Uri { get; }

    public string Name => SecurityPolicyUris.NameOf(Uri);

    public bool IsNone => EncryptionKeyLength == 0;

    /// <summary>SecureChannelNonceLength: 32 bytes for the three RSA policies.</summary>
    public int NonceLength => IsNone ? 0 : 32;

    /// <summary>DerivedSignatureKeyLength (256 bits) and the HMAC-SHA256 signature size.</summary>
    public int SigningKeyLength => IsNone ? 0 : 32;

    public int SymmetricSignatureSize => SigningKeyLength;

    public int EncryptionKeyLength { get; }

    /// <summary>AES block size, which is also the IV length.</summary>
    public int SymmetricBlockSize => 16;

    public RSAEncryptionPadding EncryptionPadding { get; }

    public RSASignaturePadding SignaturePadding { get; }

    /// <summary>The URI written into UserNameIdentityToken.EncryptionAlgorithm.</summary>
    public string AsymmetricEncryptionAlgorithmUri { get; }

    /// <summary>The URI written into SignatureData.Algorithm.</summary>
    public string AsymmetricSignatureAlgorithmUri { get; }

    /// <summary>
    /// Whether a SignatureData.Algorithm names this policy's signature. Some stacks (node-opcua) write the XML-DSig
    /// name of RSA-PSS-SHA256 instead of the OPC UA URI; the signature itself is the same.
    /// </summary>
    public bool IsSignatureAlgorithm(string? uri) =>
        uri == AsymmetricSignatureAlgorithmUri || (SignaturePadding == RSASignaturePadding.Pss && uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-pss-sha256");

    /// <summary>The policy for a URI, or null when we do not implement it.</summary>
    public static SecurityPolicy? Find(string? uri) => All.FirstOrDefault(p => p.Uri == uri);

    /// <summary>RSA-OAEP spends 2 * hash length + 2 bytes of each block on its padding.</summary>
    public int PlainTextBlockSize(RSA key) => (key.KeySize / 8) - (EncryptionPadding == RSAEncryptionPadding.OaepSHA256 ? 66 : 42);

    public static int CipherTextBlockSize(RSA key) => key.KeySize / 8;

    public static int SignatureSize(RSA key) => key.KeySize / 8;

    public int Sign(RSA privateKey, ReadOnlySpan<byte> data, Span<byte> signature) =>
        privateKey.SignData(data, signature, HashAlgorithmName.SHA256, SignaturePadding);

    public byte[] Sign(RSA privateKey, ReadOnlySpan<byte> data)
    {
        var signature = new byte[SignatureSize(privateKey)];
        Sign(privateKey, data, signature);
        return signature;
    }

    public bool Verify(RSA publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize(publicKey) && publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, SignaturePadding);

    /// <summary>Encrypts block by block (Part 6, 6.7.2.5); <paramref name="plain"/> need not fill the last block. Returns the bytes written.</summary>
    public int Encrypt(RSA publicKey, ReadOnlySpan<byte> plain, Span<byte> cipher)
    {
        var plainBlock = PlainTextBlockSize(publicKey);
        var cipherBlock = CipherTextBlockSize(publicKey);
        var written = 0;
        for (var offset = 0; offset < plain.Length; offset += plainBlock)
        {
            var block = plain.Slice(offset, Math.Min(plainBlock, plain.Length - offset));
            written += publicKey.Encrypt(block, cipher.Slice(written, cipherBlock), EncryptionPadding);
        }

        return written;
    }

    public byte[] Encrypt(RSA publicKey, ReadOnlySpan<byte> plain)
    {
        var plainBlock = PlainTextBlockSize(publicKey);
        var cipher = new byte[(plain.Length + plainBlock - 1) / plainBlock * CipherTextBlockSize(publicKey)];
        Encrypt(publicKey, plain, cipher);
        return cipher;
    }

    /// <summary>Decrypts whole cipher-text blocks; returns the plain-text bytes written. Throws <see cref="CryptographicException"/> on a bad block.</summary>
    public int Decrypt(RSA privateKey, ReadOnlySpan<byte> cipher, Span<byte> plain)
    {
        var cipherBlock = CipherTextBlockSize(privateKey);
        if (cipher.Length % cipherBlock != 0)
        {
            throw new CryptographicException($"{cipher.Length} bytes of cipher text is not a whole number of {cipherBlock}-byte blocks");
        }

        var written = 0;
        for (var offset = 0; offset < cipher.Length; offset += cipherBlock)
        {
            written += privateKey.Decrypt(cipher.Slice(offset, cipherBlock), plain[written..], EncryptionPadding);
        }

        return written;
    }

    /// <summary>
    /// The symmetric keys of one direction (Part 6, 6.7.5): P_SHA256(secret, seed) gives signing key, encrypting key and
    /// IV in that order. The client's keys use the server nonce as secret and the client nonce as seed; the server's the reverse.
    /// </summary>
    public SymmetricKeys DeriveKeys(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed)
    {
        var material = new byte[SigningKeyLength + EncryptionKeyLength + SymmetricBlockSize];
        PSha256.Derive(secret, seed, material);
        return new SymmetricKeys(
            material.AsSpan(0, SigningKeyLength).ToArray(),
            material.AsSpan(SigningKeyLength, EncryptionKeyLength).ToArray(),
            material.AsSpan(SigningKeyLength + EncryptionKeyLength, SymmetricBlockSize).ToArray());
    }

    public override string ToString() => Name;
}
