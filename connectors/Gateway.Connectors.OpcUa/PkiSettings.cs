using Gateway.Core;
using Gateway.OpcUa.Pki;

namespace Gateway.Connectors.OpcUa;

/// <summary>The gateway's application identity (the `pki:` section) as the stack's PKI types want it; the service and the command line read it the same way.</summary>
public static class PkiSettings
{
    public static PkiDirectory Directory(ApplicationIdentity application) => new(application.PkiDirectory);

    public static ApplicationCertificateSettings Certificate(ApplicationIdentity application) => new()
    {
        ApplicationName = application.ApplicationName,
        ApplicationUri = application.ApplicationUri,
        Organization = application.Organization,
        HostNames = application.HostNames,
    };
}
