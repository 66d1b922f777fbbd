namespace Gateway.OpcUa.SecureChannel;

/// <summary>
/// The cryptography of one SecurityPolicy (Part 7 profiles; Part 6, 6.7.2.5 and 6.7.5). The chunk codec asks it for
/// sizes and to sign / verify / encrypt / decrypt; None does nothing, the RSA/AES policies plug in here.
/// </summary>
public interface ISecurityPolicy
{
    string Uri { get; }

    /// <summary>Bytes of signature appended to each symmetric chunk (0 for None).</summary>
    int SymmetricSignatureSize { get; }

    /// <summary>Encryption block size for padding (1 = no padding).</summary>
    int SymmetricBlockSize { get; }

    void SignSymmetric(ReadOnlySpan<byte> dataToSign, Span<byte> signature);

    bool VerifySymmetric(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature);
}

/// <summary>SecurityPolicy None: no signature, no encryption.</summary>
public sealed class SecurityPolicyNone : ISecurityPolicy
{
    public const string PolicyUri = "http://opcfoundation.org/UA/SecurityPolicy#None";

    public static SecurityPolicyNone Instance { get; } = new();

    public string Uri => PolicyUri;

    public int SymmetricSignatureSize => 0;

    public int SymmetricBlockSize => 1;

    public void SignSymmetric(ReadOnlySpan<byte> dataToSign, Span<byte> signature)
    {
    }

    public bool VerifySymmetric(ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature) => true;
}
