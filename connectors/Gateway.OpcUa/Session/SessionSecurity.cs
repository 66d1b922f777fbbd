using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Session;

/// <summary>
/// The application authentication of a session (Part 4, 5.7.2 and 5.7.3): the server proves it holds its certificate's key
/// by signing clientCertificate + clientNonce in CreateSession; the client proves the same by signing serverCertificate +
/// serverNonce in ActivateSession.
/// </summary>
public static class SessionSecurity
{
    /// <summary>
    /// Checks the CreateSession response on a secured channel (same certificate as the channel, valid server signature,
    /// a nonce) and returns what the identity token needs. On an unsecured channel the server certificate is only needed to
    /// encrypt a password or sign a user token: then, and only then, <paramref name="validator"/> (when given) decides on it.
    /// </summary>
    public static ServerChallenge CheckCreateSession(
        CreateSessionResponse create,
        ChannelSecurity security,
        X509Certificate2? channelServerCertificate,
        byte[]? clientCertificate,
        byte[] clientNonce,
        IServerCertificateValidator? validator,
        string endpointUrl)
    {
        if (security.IsNone)
        {
            if (create.ServerCertificate is not { Length: > 0 } bytes)
            {
                return new ServerChallenge(null, null, create.ServerNonce);
            }

            var chain = CertificateChain.Split(bytes);
            var applicationUri = create.ServerEndpoints?.FirstOrDefault()?.Server.ApplicationUri;
            return new ServerChallenge(chain[0], bytes, create.ServerNonce)
            {
                Trust = validator is null ? null : () => validator.Validate(chain[0], chain.Skip(1).ToList(), applicationUri, UaTcpConnection.ParseEndpoint(endpointUrl).Host),
            };
        }

        var server = channelServerCertificate!;
        if (create.ServerCertificate is not { Length: > 0 } certificate || !CertificateChain.Split(certificate)[0].RawData.AsSpan().SequenceEqual(server.RawData))
        {
            throw new UaTransportException(StatusCodes.BadCertificateInvalid, $"{endpointUrl}: CreateSession returned another server certificate than the secure channel's");
        }

        var policy = security.Policy;
        using var key = server.GetRSAPublicKey()!;
        var signature = create.ServerSignature;
        if (!policy.IsSignatureAlgorithm(signature.Algorithm) || signature.Signature is null || !policy.Verify(key, Concat(clientCertificate ?? [], clientNonce), signature.Signature))
        {
            throw new UaTransportException(StatusCodes.BadApplicationSignatureInvalid, $"{endpointUrl}: the server's CreateSession signature ({signature.Algorithm ?? "none"}) does not prove it holds its certificate's key");
        }

        if (create.ServerNonce is not { Length: >= 32 })
        {
            throw new UaTransportException(StatusCodes.BadNonceInvalid, $"{endpointUrl}: CreateSession returned a server nonce of {create.ServerNonce?.Length ?? 0} bytes (at least 32 needed)");
        }

        return new ServerChallenge(server, certificate, create.ServerNonce);
    }

    /// <summary>
    /// The user token policies of the endpoint in use: from GetEndpoints when we asked, else the CreateSession endpoint with
    /// the channel's policy and mode. With a GetEndpoints answer, CreateSession must still list that endpoint (a
    /// downgrade by a man in the middle would remove it, Part 4, 5.7.2).
    /// </summary>
    public static IReadOnlyList<UserTokenPolicy> TokenPolicies(CreateSessionResponse create, EndpointDescription? endpoint, ChannelSecurity security, string endpointUrl)
    {
        var mode = security.IsNone ? MessageSecurityMode.None : security.Mode;
        var matching = (create.ServerEndpoints ?? []).Where(e => e.SecurityPolicyUri == security.Policy.Uri && e.SecurityMode == mode).ToList();
        if (endpoint is not null && !security.IsNone && create.ServerEndpoints is { Length: > 0 } && matching.Count == 0)
        {
            throw new UaTransportException(StatusCodes.BadSecurityChecksFailed, $"{endpointUrl}: CreateSession lists no {security.Policy.Name}/{mode} endpoint although GetEndpoints did");
        }

        var policies = endpoint?.UserIdentityTokens is { Length: > 0 } chosen ? chosen : matching.SelectMany(e => e.UserIdentityTokens ?? []).ToArray();

        // A server that lists no endpoints at all still takes an anonymous user.
        return policies.Length > 0 ? policies : [new UserTokenPolicy { PolicyId = "anonymous", TokenType = UserTokenType.Anonymous }];
    }

    /// <summary>ActivateSession's clientSignature: serverCertificate + serverNonce signed with this application's key (empty on None).</summary>
    public static SignatureData ClientSignature(ChannelSecurity security, ServerChallenge server)
    {
        if (security.IsNone)
        {
            return new SignatureData();
        }

        using var key = security.ClientCertificate!.GetRSAPrivateKey()!;
        return new SignatureData
        {
            Algorithm = security.Policy.AsymmetricSignatureAlgorithmUri,
            Signature = security.Policy.Sign(key, Concat(server.CertificateBlob ?? [], server.Nonce ?? [])),
        };
    }

    /// <summary>Status codes by which a server refuses the user rather than the session.</summary>
    public static bool IsIdentityRejection(uint statusCode) =>
        statusCode is StatusCodes.BadUserAccessDenied or StatusCodes.BadIdentityTokenInvalid or StatusCodes.BadIdentityTokenRejected or StatusCodes.BadUserSignatureInvalid;

    private static byte[] Concat(byte[] first, byte[] second)
    {
        var all = new byte[first.Length + second.Length];
        first.CopyTo(all, 0);
        second.CopyTo(all, first.Length);
        return all;
    }
}
