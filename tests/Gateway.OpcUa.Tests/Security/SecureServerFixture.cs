using System.Security.Cryptography.X509Certificates;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>
/// One node-opcua secure server (tests/servers/opcua-secure) for every security test class: it takes long to start.
/// Security tokens live 5 s, so every test also runs across token renewals.
/// </summary>
public sealed class SecureServerFixture : IAsyncLifetime
{
    public NodeOpcUaSecureServer Server { get; private set; } = null!;

    public X509Certificate2 ClientCertificate { get; } = SecurityTestKit.ClientCertificate();

    public async Task InitializeAsync() => Server = await NodeOpcUaSecureServer.StartAsync(tokenLifetime: TimeSpan.FromSeconds(5), plainPort: true, doubles: 1000);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        ClientCertificate.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SecureServerCollection : ICollectionFixture<SecureServerFixture>
{
    public const string Name = "node-opcua secure server";
}
