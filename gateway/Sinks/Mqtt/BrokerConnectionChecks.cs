using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>The checks of the keys that reach an external broker (credentials, TLS files), shared by every MQTT-based sink.</summary>
public static class BrokerConnectionChecks
{
    /// <summary>Problems of `username`, `password`, `tls`, `caFile`, `certFile` and `keyFile`, each at its key.</summary>
    public static IEnumerable<OptionProblem> Validate(BrokerConnectionOptions o)
    {
        if (!string.IsNullOrEmpty(o.Password) && string.IsNullOrEmpty(o.Username))
        {
            yield return new("username", "a `password` is set but no `username`; set both or neither.");
        }

        if (string.IsNullOrEmpty(o.CertFile) != string.IsNullOrEmpty(o.KeyFile))
        {
            yield return new(string.IsNullOrEmpty(o.CertFile) ? "certFile" : "keyFile", "a client certificate needs both `certFile` and `keyFile`.");
        }

        foreach (var (key, file) in new[] { ("caFile", o.CaFile), ("certFile", o.CertFile), ("keyFile", o.KeyFile) })
        {
            if (string.IsNullOrEmpty(file))
            {
                continue;
            }

            if (!o.Tls)
            {
                yield return new(key, $"`{key}` is set but `tls` is false; set `tls: true` or remove `{key}`.");
            }
            else if (!File.Exists(file))
            {
                yield return new(key, $"file '{file}' not found.");
            }
        }

        // BrokerTls reads these files when the sink is created, and a file it cannot read stops the whole gateway
        // at start; so they are read here too, and a bad one is a configuration error at its key.
        if (o.Tls && TlsFileProblem(o) is { } tlsProblem)
        {
            yield return tlsProblem;
        }
    }

    private static OptionProblem? TlsFileProblem(BrokerConnectionOptions o)
    {
        if (!string.IsNullOrEmpty(o.CaFile) && File.Exists(o.CaFile))
        {
            try
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(o.CaFile);
                if (roots.Count == 0)
                {
                    return new("caFile", $"'{o.CaFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                return new("caFile", $"'{o.CaFile}' cannot be read as PEM certificates: {e.Message}.");
            }
        }

        if (!string.IsNullOrEmpty(o.CertFile) && !string.IsNullOrEmpty(o.KeyFile) && File.Exists(o.CertFile) && File.Exists(o.KeyFile))
        {
            if (PemPairProblem(o.CertFile, o.KeyFile) is { } pairProblem)
            {
                return new("certFile", pairProblem);
            }
        }

        return null;
    }

    /// <summary>Loads a PEM certificate and its key as the client's TLS and the embedded broker's TLS listener do at start.</summary>
    public static string? PemPairProblem(string certFile, string keyFile)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"'{certFile}' with key '{keyFile}' is not a usable PEM certificate and private key: {e.Message}.";
        }
    }
}
