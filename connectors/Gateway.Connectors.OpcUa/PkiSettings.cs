using Gateway.Configuration.Model;
using Gateway.OpcUa.Pki;

namespace Gateway.Connectors.OpcUa;

/// <summary>The `pki:` section as the stack's PKI types want it; the service and the command line read it the same way.</summary>
public static class PkiSettings
{
    /// <summary>The PKI directory; <see cref="PkiConfig.Directory"/> is absolute once the loader has resolved it.</summary>
    public static PkiDirectory Directory(PkiConfig pki, string dataDirectory) =>
        new(pki.Directory ?? Path.Combine(dataDirectory, "pki"));

    public static ApplicationCertificateSettings Certificate(PkiConfig pki) => new()
    {
        ApplicationName = pki.ApplicationName,
        ApplicationUri = pki.ApplicationUri ?? PkiConfig.DefaultApplicationUri(),
        Organization = pki.Organization,
        HostNames = pki.HostNames,
    };
}
