using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Pki;

/// <summary>
/// Decides whether a server's certificate is trusted, from the PKI directory, in the order of Part 4, 6.1.3 (Table 106):
/// structure and key size, chain (signatures), trust list, validity period, host name, ApplicationUri, key usage,
/// revocation. The directory is read on every call, so a certificate the operator trusts (by moving the file, or
/// `gateway cert trust`) is accepted on the next connection attempt.
/// </summary>
public sealed class ServerCertificateValidator : IServerCertificateValidator
{
    private readonly PkiDirectory _pki;

    public ServerCertificateValidator(PkiDirectory pki)
    {
        _pki = pki;
    }

    /// <summary>Require the server certificate to name the host of the endpoint URL (DNS name or address).</summary>
    public bool CheckHostName { get; init; } = true;

    /// <summary>
    /// Accept a certificate that is in no trust list. Every other check still applies (an expired, revoked or
    /// wrong-URI certificate is refused): auto-accept only skips the operator's decision, never the certificate's
    /// own validity. Each use writes a warning through <see cref="Warn"/>.
    /// </summary>
    public bool AutoAcceptUntrusted { get; init; }

    /// <summary>Receives the warning written each time an untrusted certificate is accepted.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Smallest RSA key accepted; 2048 bits is the minimum of every policy we support (Part 7).</summary>
    public int MinimumKeySize { get; init; } = 2048;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public void Validate(X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2> chain, string? expectedApplicationUri, string endpointHost)
    {
        var facts = CertificateFacts.Of(serverCertificate);
        var who = $"The server certificate of {endpointHost} ('{facts.CommonName}', thumbprint {facts.Thumbprint})";
        var now = Time.GetUtcNow().UtcDateTime;

        if (facts.KeySize < MinimumKeySize)
        {
            throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"{who} has a key of {facts.KeySize} bits; at least {MinimumKeySize} are required. The server needs a new certificate.");
        }

        var trusted = _pki.Trusted();
        var issuers = _pki.Issuers();
        using var built = BuildChain(serverCertificate, chain, trusted, issuers, now);
        var elements = built.ChainElements.Select(e => e.Certificate).ToList();
        var statuses = built.ChainElements.SelectMany(e => e.ChainElementStatus).Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b);
        const X509ChainStatusFlags broken = X509ChainStatusFlags.NotSignatureValid | X509ChainStatusFlags.Cyclic | X509ChainStatusFlags.InvalidBasicConstraints
            | X509ChainStatusFlags.HasNotSupportedCriticalExtension | X509ChainStatusFlags.InvalidExtension | X509ChainStatusFlags.NotValidForUsage;
        if ((statuses & broken) != 0)
        {
            throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"{who} or its issuer chain is invalid ({statuses & broken}).");
        }

        var trustedThumbprints = trusted.Select(t => t.Certificate.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var chainComplete = (statuses & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) == 0;
        var isTrusted = elements.Any(e => trustedThumbprints.Contains(e.Thumbprint));
        if (isTrusted && !chainComplete)
        {
            throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"{who} is trusted, but its issuer chain is incomplete: put the issuing CA certificates into {_pki.IssuerCertificates} (or {_pki.TrustedCertificates}).");
        }

        if (!isTrusted)
        {
            var rejected = _pki.SaveRejected(serverCertificate);
            if (!AutoAcceptUntrusted)
            {
                throw new UaCertificateException(
                    StatusCodes.BadCertificateUntrusted,
                    $"{who} is not trusted. It was saved as {rejected}. If this is the right server, move that file into {_pki.TrustedCertificates} or run: gateway cert trust \"{rejected}\"",
                    rejected);
            }

            Warn?.Invoke($"{who} is not trusted, accepted anyway because autoAcceptServerCertificate is on: anyone on the network could pose as this server. Trust it with: gateway cert trust \"{rejected}\", then turn autoAcceptServerCertificate off.");
        }

        foreach (var element in elements)
        {
            if (element.NotBefore.ToUniversalTime() > now || element.NotAfter.ToUniversalTime() < now)
            {
                var which = element.Thumbprint == serverCertificate.Thumbprint ? who : $"{who}: its issuer '{CertificateFacts.Of(element).CommonName}'";
                throw new UaCertificateException(StatusCodes.BadCertificateTimeInvalid, $"{which} is valid from {element.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} to {element.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC, not now ({now:yyyy-MM-dd HH:mm} UTC). Check both clocks; an expired certificate must be renewed on the server.");
            }
        }

        if (CheckHostName && !facts.NamesHost(endpointHost))
        {
            var names = string.Join(", ", facts.DnsNames.Concat(facts.IpAddresses.Select(a => a.ToString())));
            throw new UaCertificateException(StatusCodes.BadCertificateHostNameInvalid, $"{who} does not name the host '{endpointHost}' (it names: {(names.Length == 0 ? "no host" : names)}). Connect by one of those names, or set security.checkHostName: false for this source.");
        }

        if (expectedApplicationUri is not null && !string.Equals(facts.ApplicationUri, expectedApplicationUri, StringComparison.Ordinal))
        {
            throw new UaCertificateException(StatusCodes.BadCertificateUriInvalid, $"{who} is for ApplicationUri '{facts.ApplicationUri}', but the server's endpoint says '{expectedApplicationUri}'. The server's certificate does not belong to it.");
        }

        if (serverCertificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
            && (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
        {
            throw new UaCertificateException(StatusCodes.BadCertificateUseNotAllowed, $"{who} does not allow digital signatures (key usage: {usage.KeyUsages}).");
        }

        CheckRevocation(elements, who);
    }

    private static X509Chain BuildChain(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> sent, IReadOnlyList<StoredCertificate> trusted, IReadOnlyList<StoredCertificate> issuers, DateTime now)
    {
        var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = now;

        // Validity is checked after the trust list (Part 4, Table 106), with a message that says which certificate.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        // The chain engine only checks signatures and structure up to a self-signed root, wherever the root came
        // from (even the server itself); whether the result is trusted is decided after, from trusted/ alone.
        foreach (var certificate in trusted.Concat(issuers).Select(s => s.Certificate).Concat(sent))
        {
            var isRoot = CertificateFacts.Of(certificate).IsSelfSigned;
            (isRoot ? policy.CustomTrustStore : policy.ExtraStore).Add(certificate);
        }

        chain.Build(leaf);
        return chain;
    }

    private void CheckRevocation(List<X509Certificate2> elements, string who)
    {
        var lists = _pki.RevocationLists().Select(RevocationList.TryParse).OfType<RevocationList>().ToList();
        if (lists.Count == 0)
        {
            return;
        }

        // Each certificate but the root is checked against the lists its issuer (the next element) signed.
        for (var i = 0; i < elements.Count - 1; i++)
        {
            var certificate = elements[i];
            var issuer = elements[i + 1];
            if (lists.Any(list => list.Revokes(certificate) && list.IsSignedBy(issuer)))
            {
                var which = i == 0 ? who : $"{who}: its issuer '{CertificateFacts.Of(certificate).CommonName}'";
                throw new UaCertificateException(StatusCodes.BadCertificateRevoked, $"{which} is revoked by '{CertificateFacts.Of(issuer).CommonName}' (serial {certificate.SerialNumber}). The server needs a new certificate.");
            }
        }
    }
}
