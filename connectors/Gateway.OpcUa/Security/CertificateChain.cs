using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Security;

/// <summary>
/// OPC UA sends a certificate chain as the DER encodings of the certificates one after another in one ByteString
/// (Part 6, 6.2.3): the leaf first, then its issuers.
/// </summary>
public static class CertificateChain
{
    /// <summary>Splits a chain into its certificates (leaf first); throws <see cref="UaCertificateException"/> when the bytes are not DER certificates.</summary>
    public static IReadOnlyList<X509Certificate2> Split(ReadOnlySpan<byte> der)
    {
        var certificates = new List<X509Certificate2>();
        while (!der.IsEmpty)
        {
            var length = DerLength(der);
            if (length <= 0 || length > der.Length)
            {
                throw new UaCertificateException(StatusCodes.BadCertificateInvalid, "the certificate is not a DER-encoded X.509 certificate (chain)");
            }

            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der[..length]));
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"the certificate cannot be read: {e.Message}");
            }

            der = der[length..];
        }

        return certificates;
    }

    /// <summary>A certificate followed by its issuers, as one ByteString.</summary>
    public static byte[] Join(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> issuers)
    {
        if (issuers.Count == 0)
        {
            return leaf.RawData;
        }

        var all = new List<byte>(leaf.RawData);
        foreach (var issuer in issuers)
        {
            all.AddRange(issuer.RawData);
        }

        return all.ToArray();
    }

    // The total length of the DER SEQUENCE at the start: tag, length octets, contents (X.690, 8.1.3).
    private static int DerLength(ReadOnlySpan<byte> der)
    {
        if (der.Length < 2 || der[0] != 0x30)
        {
            return -1;
        }

        if (der[1] < 0x80)
        {
            return 2 + der[1];
        }

        var octets = der[1] & 0x7F;
        if (octets is 0 or > 3 || der.Length < 2 + octets)
        {
            return -1;
        }

        var length = 0;
        for (var i = 0; i < octets; i++)
        {
            length = (length << 8) | der[2 + i];
        }

        return 2 + octets + length;
    }
}
