using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.OpcUa.Pki;

/// <summary>
/// What an OPC UA application instance certificate says about its application (Part 6, 6.2.2): the ApplicationUri and
/// host names from the subjectAltName, the common name, the key size. Read once from the certificate's extensions.
/// </summary>
public sealed class CertificateFacts
{
    private const string SubjectAltNameOid = "2.5.29.17";

    private CertificateFacts(X509Certificate2 certificate)
    {
        Certificate = certificate;
        CommonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        using (var rsa = certificate.GetRSAPublicKey())
        {
            KeySize = rsa?.KeySize ?? certificate.PublicKey.GetECDsaPublicKey()?.KeySize ?? 0;
        }

        var uris = new List<string>();
        var dnsNames = new List<string>();
        var addresses = new List<IPAddress>();
        if (certificate.Extensions[SubjectAltNameOid] is { } san)
        {
            ReadSubjectAltName(san.RawData, uris, dnsNames, addresses);
        }

        ApplicationUri = uris.FirstOrDefault();
        DnsNames = dnsNames;
        IpAddresses = addresses;
    }

    public X509Certificate2 Certificate { get; }

    public string CommonName { get; }

    /// <summary>The first uniformResourceIdentifier of the subjectAltName: the application's ApplicationUri (Part 6, Table 50).</summary>
    public string? ApplicationUri { get; }

    public IReadOnlyList<string> DnsNames { get; }

    public IReadOnlyList<IPAddress> IpAddresses { get; }

    public int KeySize { get; }

    public string Thumbprint => Certificate.Thumbprint;

    public bool IsSelfSigned => Certificate.SubjectName.RawData.AsSpan().SequenceEqual(Certificate.IssuerName.RawData);

    public static CertificateFacts Of(X509Certificate2 certificate) => new(certificate);

    /// <summary>
    /// True when the host (a DNS name or an address, as dialed) is among the certificate's DNS names or addresses. A
    /// loopback host (localhost, 127.0.0.1, ::1) is this machine, so a certificate that names this machine matches it.
    /// </summary>
    public bool NamesHost(string host)
    {
        host = host.Trim('[', ']').TrimEnd('.');
        if (IsLoopback(host) && (DnsNames.Any(IsThisMachine) || IpAddresses.Any(IPAddress.IsLoopback)))
        {
            return true;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            // Some servers list their address as a DNS name.
            return IpAddresses.Any(a => a.Equals(address)) || DnsNames.Contains(host, StringComparer.OrdinalIgnoreCase);
        }

        return DnsNames.Any(name => string.Equals(name.TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    private static bool IsThisMachine(string name)
    {
        name = name.TrimEnd('.');
        var local = Dns.GetHostName();
        return string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, local, StringComparison.OrdinalIgnoreCase)
            || name.StartsWith(local + ".", StringComparison.OrdinalIgnoreCase);
    }

    // RFC 5280, 4.2.1.6: GeneralNames ::= SEQUENCE OF GeneralName, with the choices as context-specific tags
    // (dNSName [2] IA5String, uniformResourceIdentifier [6] IA5String, iPAddress [7] OCTET STRING).
    private static void ReadSubjectAltName(byte[] der, List<string> uris, List<string> dnsNames, List<IPAddress> addresses)
    {
        try
        {
            var names = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific)
                {
                    names.ReadEncodedValue();
                    continue;
                }

                switch (tag.TagValue)
                {
                    case 2:
                        dnsNames.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 6:
                        uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 7:
                        addresses.Add(new IPAddress(names.ReadOctetString(tag)));
                        break;
                    default:
                        names.ReadEncodedValue();
                        break;
                }
            }
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            // A malformed subjectAltName names nothing; the URI and host checks then fail with their own message.
        }
    }
}
