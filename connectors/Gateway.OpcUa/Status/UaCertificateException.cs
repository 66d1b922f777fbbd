namespace Gateway.OpcUa.Status;

/// <summary>
/// A certificate was refused: untrusted, expired, revoked, wrong ApplicationUri or host, key too small. The status code
/// names the cause (BadCertificateUntrusted, BadCertificateTimeInvalid, BadCertificateUriInvalid, ...); the message says
/// what to do about it (which file to move into trusted/, or which `gateway cert` command to run).
/// </summary>
public sealed class UaCertificateException : UaException
{
    public UaCertificateException(uint statusCode, string message, string? rejectedFile = null)
        : base(statusCode, message) => RejectedFile = rejectedFile;

    public UaCertificateException()
    {
    }

    public UaCertificateException(string message)
        : base(message)
    {
    }

    public UaCertificateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Where the refused certificate was copied (the rejected/ folder), when it was.</summary>
    public string? RejectedFile { get; }
}
