using Gateway.OpcUa.Client;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Client;

/// <summary>One node-opcua server (and one connected client) for every test of the collection: it takes long to start.</summary>
public sealed class NodeOpcUaFixture : IAsyncLifetime
{
    public NodeOpcUaServer Server { get; private set; } = null!;

    public OpcUaClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await NodeOpcUaServer.StartAsync();
        Client = await OpcUaClient.ConnectAsync(Server.EndpointUrl, new OpcUaClientOptions { Channel = new() { RequestTimeout = TimeSpan.FromSeconds(30) } });
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class NodeOpcUaCollection : ICollectionFixture<NodeOpcUaFixture>
{
    public const string Name = "node-opcua server";
}
