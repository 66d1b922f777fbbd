using System.Security.Cryptography.X509Certificates;

namespace Gateway.OpcUa.Session;

/// <summary>Who the session acts for (Part 4, 7.41 user identity tokens): anonymous, a user name and password, or an X.509 user certificate.</summary>
public abstract record UserIdentity
{
    public static UserIdentity Anonymous { get; } = new AnonymousIdentity();

    /// <summary>
    /// A user name and password. The password is encrypted with the server certificate as the token policy's
    /// SecurityPolicyUri requires (also on a None channel); it is sent in clear text only when the policy asks for no
    /// encryption AND <paramref name="allowPlainText"/> is set.
    /// </summary>
    public static UserIdentity UserName(string userName, string password, bool allowPlainText = false) =>
        new UserNameIdentity(userName, password, allowPlainText);

    /// <summary>An X.509 user certificate with its private key (it signs serverCertificate + serverNonce in ActivateSession).</summary>
    public static UserIdentity Certificate(X509Certificate2 certificate) => new CertificateIdentity(certificate);
}

public sealed record AnonymousIdentity : UserIdentity
{
    public override string ToString() => "anonymous";
}

public sealed record UserNameIdentity(string User, string Password, bool AllowPlainText) : UserIdentity
{
    // Never print the password.
    public override string ToString() => $"user '{User}'";
}

public sealed record CertificateIdentity(X509Certificate2 UserCertificate) : UserIdentity
{
    public override string ToString() => $"certificate {UserCertificate.Subject}";
}
