using System.Net;

using Microsoft.Extensions.Logging;

using MQTTnet.Server;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// An MQTT broker inside the gateway (MQTTnet server), so the default setup needs no external broker:
/// the sink publishes into it over loopback and any MQTT tool can subscribe to it.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;

    public EmbeddedBroker(string bind, int port, ILogger logger)
    {
        if (!IPAddress.TryParse(bind, out var address))
        {
            throw new ArgumentException($"`bind: {bind}` is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).", nameof(bind));
        }

        Bind = address;
        Port = port;
        _logger = logger;
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(true)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
    }

    public IPAddress Bind { get; }

    public int Port { get; }

    /// <summary>Where a client on this machine reaches the broker.</summary>
    public string ConnectHost => Bind.Equals(IPAddress.Any) || Bind.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : Bind.ToString();

    public bool IsStarted => _server.IsStarted;

    public async Task StartAsync()
    {
        await _server.StartAsync();
        _logger.LogInformation("Embedded MQTT broker listening on {Address}:{Port}", Bind, Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions());
        }

        _server.Dispose();
    }
}
