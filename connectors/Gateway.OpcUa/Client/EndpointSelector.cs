using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client;

/// <summary>
/// Picks the endpoint to connect to from the server's GetEndpoints answer: `best` takes the most secure one we
/// implement (SignAndEncrypt over Sign over None, then Aes256_Sha256_RsaPss over Basic256Sha256 over
/// Aes128_Sha256_RsaOaep); a named mode or policy must be offered exactly. Nothing acceptable is an error that lists
/// what the server does offer.
/// </summary>
public static class EndpointSelector
{
    private const string BinaryTransport = "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";

    public static EndpointDescription Select(IReadOnlyList<EndpointDescription> endpoints, SecurityModeChoice mode, string? policy, string endpointUrl)
    {
        string? policyUri = null;
        if (!string.IsNullOrEmpty(policy))
        {
            policyUri = SecurityPolicyUris.Resolve(policy) ?? throw new UaTransportException(
                StatusCodes.BadSecurityPolicyRejected,
                $"{endpointUrl}: unknown security policy '{policy}' (this client implements {string.Join(", ", SecurityPolicyUris.Supported.Select(SecurityPolicyUris.NameOf))})");
        }

        var best = endpoints
            .Where(e => string.IsNullOrEmpty(e.TransportProfileUri) || e.TransportProfileUri == BinaryTransport)
            .Where(e => SecurityPolicy.Find(e.SecurityPolicyUri) is not null)
            .Where(e => e.SecurityMode is MessageSecurityMode.None or MessageSecurityMode.Sign or MessageSecurityMode.SignAndEncrypt)
            .Where(e => mode == SecurityModeChoice.Best || (int)e.SecurityMode == (int)mode)
            .Where(e => policyUri is null || e.SecurityPolicyUri == policyUri)
            .Where(e => (e.SecurityMode == MessageSecurityMode.None) == (e.SecurityPolicyUri == SecurityPolicyUris.None))
            .OrderByDescending(e => (int)e.SecurityMode)
            .ThenBy(e => PolicyRank(e.SecurityPolicyUri))
            .ThenByDescending(e => e.SecurityLevel)
            .FirstOrDefault();
        if (best is not null)
        {
            return best;
        }

        var wanted = $"mode {mode}{(policyUri is null ? "" : $", policy {SecurityPolicyUris.NameOf(policyUri)}")}";
        throw new UaTransportException(
            StatusCodes.BadSecurityPolicyRejected,
            $"{endpointUrl}: the server offers no endpoint for {wanted} that this client supports; it offers {Describe(endpoints)}");
    }

    /// <summary>`Basic256Sha256/SignAndEncrypt, None/None` for an error message.</summary>
    public static string Describe(IEnumerable<EndpointDescription> endpoints)
    {
        var offers = endpoints.Select(e => $"{SecurityPolicyUris.NameOf(e.SecurityPolicyUri)}/{e.SecurityMode}").Distinct().ToList();
        return offers.Count == 0 ? "no endpoints at all" : string.Join(", ", offers);
    }

    private static int PolicyRank(string? uri)
    {
        var index = SecurityPolicyUris.Supported.ToList().IndexOf(uri ?? "");
        return index < 0 ? int.MaxValue : index;
    }
}
