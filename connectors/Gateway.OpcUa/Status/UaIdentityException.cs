namespace Gateway.OpcUa.Status;

/// <summary>
/// The user identity was refused, by the server (BadUserAccessDenied, BadIdentityTokenInvalid, BadIdentityTokenRejected,
/// BadUserSignatureInvalid) or before sending it (no matching token policy, a password that would travel in clear text).
/// </summary>
public sealed class UaIdentityException : UaException
{
    public UaIdentityException(uint statusCode, string message, Exception? inner = null)
        : base(statusCode, message, inner)
    {
    }

    public UaIdentityException()
    {
    }

    public UaIdentityException(string message)
        : base(message)
    {
    }

    public UaIdentityException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
