using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Session;

/// <summary>What ActivateSession carries for the user: the identity token and, for a certificate user, its signature.</summary>
public sealed record ActivationIdentity(ExtensionObject Token, SignatureData Signature);

/// <summary>
/// What the server said in CreateSession that the identity token depends on. <see cref="Trust"/> runs once before the
/// certificate is used to protect a secret (an unsecured channel's certificate is validated only when it matters).
/// </summary>
public sealed record ServerChallenge(X509Certificate2? Certificate, byte[]? CertificateBlob, byte[]? Nonce)
{
    public Action? Trust { get; init; }
}

/// <summary>
/// Builds the user identity token for ActivateSession (Part 4, 5.7.3 and 7.41) from the endpoint's user token policies:
/// the password is encrypted with the server certificate per the token policy's SecurityPolicyUri (or the channel's
/// when it is empty), and a certificate user signs serverCertificate + serverNonce.
/// </summary>
public static class IdentityTokens
{
    public static ActivationIdentity Build(UserIdentity identity, IReadOnlyList<UserTokenPolicy> policies, SecurityPolicy channelPolicy, ServerChallenge server, string endpointUrl) =>
        identity switch
        {
            UserNameIdentity user => UserName(user, policies, channelPolicy, server, endpointUrl),
            CertificateIdentity certificate => Certificate(certificate, policies, channelPolicy, server, endpointUrl),
            _ => new ActivationIdentity(
                ExtensionObject.From(new AnonymousIdentityToken { PolicyId = Policy(policies, UserTokenType.Anonymous, channelPolicy, endpointUrl, needsSecurity: false).Token.PolicyId }),
                new SignatureData()),
        };

    private static ActivationIdentity UserName(UserNameIdentity user, IReadOnlyList<UserTokenPolicy> policies, SecurityPolicy channelPolicy, ServerChallenge server, string endpointUrl)
    {
        var (policy, security) = Policy(policies, UserTokenType.UserName, channelPolicy, endpointUrl, needsSecurity: !user.AllowPlainText);
        var password = System.Text.Encoding.UTF8.GetBytes(user.Password);
        var token = new UserNameIdentityToken { PolicyId = policy.PolicyId, UserName = user.User };
        if (security.IsNone)
        {
            token.Password = password;
        }
        else
        {
            // Part 4, 7.41.2.2 (legacy secret format): length (UInt32, of password + nonce), password, server nonce, then RSA-encrypted.
            var nonce = RequireNonce(server, endpointUrl);
            var plain = new byte[4 + password.Length + nonce.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(plain, (uint)(password.Length + nonce.Length));
            password.CopyTo(plain, 4);
            nonce.CopyTo(plain, 4 + password.Length);
            using var key = RequireCertificate(server, endpointUrl, "encrypt the password").GetRSAPublicKey()
                ?? throw new UaIdentityException(StatusCodes.BadCertificateInvalid, $"{endpointUrl}: the server certificate has no RSA key to encrypt the password with");
            token.Password = security.Encrypt(key, plain);
            token.EncryptionAlgorithm = security.AsymmetricEncryptionAlgorithmUri;
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(password);
        }

        return new ActivationIdentity(ExtensionObject.From(token), new SignatureData());
    }

    private static ActivationIdentity Certificate(CertificateIdentity user, IReadOnlyList<UserTokenPolicy> policies, SecurityPolicy channelPolicy, ServerChallenge server, string endpointUrl)
    {
        var (policy, security) = Policy(policies, UserTokenType.Certificate, channelPolicy, endpointUrl, needsSecurity: true);
        using var key = user.UserCertificate.GetRSAPrivateKey()
            ?? throw new UaIdentityException(StatusCodes.BadIdentityTokenInvalid, $"{endpointUrl}: the user certificate {user.UserCertificate.Subject} has no RSA private key to sign with");

        // Part 4, 5.7.3: the user proves possession of the key by signing serverCertificate + serverNonce.
        var nonce = RequireNonce(server, endpointUrl);
        var leaf = RequireCertificate(server, endpointUrl, "sign the user token");
        var certificate = server.CertificateBlob ?? leaf.RawData;
        var data = new byte[certificate.Length + nonce.Length];
        certificate.CopyTo(data, 0);
        nonce.CopyTo(data, certificate.Length);
        return new ActivationIdentity(
            ExtensionObject.From(new X509IdentityToken { PolicyId = policy.PolicyId, CertificateData = user.UserCertificate.RawData }),
            new SignatureData { Algorithm = security.AsymmetricSignatureAlgorithmUri, Signature = security.Sign(key, data) });
    }

    /// <summary>
    /// The token policy to use for a token type: one whose security policy we implement, secured ones first. With
    /// <paramref name="needsSecurity"/>, a policy that resolves to None is not acceptable.
    /// </summary>
    private static (UserTokenPolicy Token, SecurityPolicy Security) Policy(IReadOnlyList<UserTokenPolicy> policies, UserTokenType type, SecurityPolicy channelPolicy, string endpointUrl, bool needsSecurity)
    {
        var offered = policies.Where(p => p.TokenType == type).ToList();
        if (offered.Count == 0)
        {
            var kinds = policies.Select(p => p.TokenType.ToString()).Distinct().ToList();
            throw new UaIdentityException(StatusCodes.BadIdentityTokenRejected, $"{endpointUrl}: the endpoint accepts no {type} identity; it accepts {(kinds.Count == 0 ? "none" : string.Join(", ", kinds))}");
        }

        // Part 4, 7.42: an empty SecurityPolicyUri means the endpoint's (the channel's) policy applies.
        var usable = offered
            .Select(p => (Token: p, Security: SecurityPolicy.Find(string.IsNullOrEmpty(p.SecurityPolicyUri) ? channelPolicy.Uri : p.SecurityPolicyUri)))
            .Where(p => p.Security is not null)
            .Select(p => (p.Token, Security: p.Security!))
            .OrderBy(p => p.Security.IsNone)
            .ToList();
        if (usable.Count == 0)
        {
            throw new UaIdentityException(StatusCodes.BadSecurityPolicyRejected, $"{endpointUrl}: the {type} token policies ask for {string.Join(", ", offered.Select(p => SecurityPolicyUris.NameOf(p.SecurityPolicyUri)))}, which this client does not implement");
        }

        var chosen = usable[0];
        if (needsSecurity && chosen.Security.IsNone)
        {
            var why = type == UserTokenType.UserName
                ? "the password would be sent in clear text (the token policy asks for no encryption on an unsecured channel); use a secure endpoint, or allow plain text for this source (allowPlainTextPassword) if the network is trusted"
                : "a certificate user needs a security policy to sign with, and both the token policy and the channel say None";
            throw new UaIdentityException(StatusCodes.BadIdentityTokenRejected, $"{endpointUrl}: {why}");
        }

        return chosen;
    }

    private static byte[] RequireNonce(ServerChallenge server, string endpointUrl) =>
        server.Nonce is { Length: >= 32 } nonce ? nonce : throw new UaIdentityException(StatusCodes.BadNonceInvalid, $"{endpointUrl}: the server sent no nonce (at least 32 bytes) to protect the identity token with");

    private static X509Certificate2 RequireCertificate(ServerChallenge server, string endpointUrl, string purpose)
    {
        var certificate = server.Certificate ?? throw new UaIdentityException(StatusCodes.BadCertificateInvalid, $"{endpointUrl}: the server sent no certificate to {purpose} with");
        server.Trust?.Invoke();
        return certificate;
    }
}
