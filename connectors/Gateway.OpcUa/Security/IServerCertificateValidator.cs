using System.Security.Cryptography.X509Certificates;

namespace Gateway.OpcUa.Security;

/// <summary>
/// Decides whether the client trusts a server's application instance certificate (Part 4, 6.1.3). The secure channel
/// calls it before it sends anything encrypted to the server, and again for the certificate in CreateSession's response.
/// The PKI store (trusted/, issuers/, rejected/) implements it; tests may implement it with a fixed answer.
/// </summary>
public interface IServerCertificateValidator
{
    /// <summary>
    /// Throws <see cref="UaCertificateException"/> when the certificate must not be trusted. <paramref name="chain"/> holds
    /// the certificates the server sent after its own (issuers), possibly empty. <paramref name="expectedApplicationUri"/>
    /// is the ApplicationUri from the endpoint description (null when unknown); <paramref name="endpointHost"/> is the host
    /// name or address from the endpoint URL the client dialed.
    /// </summary>
    void Validate(X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2> chain, string? expectedApplicationUri, string endpointHost);
}
