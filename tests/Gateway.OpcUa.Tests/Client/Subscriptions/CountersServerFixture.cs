using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Client.Subscriptions;

/// <summary>
/// One node-opcua server (tests/servers/opcua/server.js) for the subscription tests: 20 Int32 counters that all change
/// every 100 ms, 300 doubles, and a MaxMonitoredItemsPerCall of 100 that it enforces without advertising it.
/// </summary>
public sealed class CountersServerFixture : IAsyncLifetime
{
    public NodeOpcUaServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await NodeOpcUaServer.StartAsync(doubles: 300, counters: 20, hiddenMaxMonitoredItemsPerCall: 100);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
