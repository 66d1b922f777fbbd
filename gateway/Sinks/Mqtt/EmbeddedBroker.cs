using System.Net;
using System.Net.Sockets;

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
        _server.ValidatingConnectionAsync += AssignClientIdentifier;
    }

    public IPAddress Bind { get; }

    public int Port { get; }

    /// <summary>Where a client on this machine reaches the broker.</summary>
    public string ConnectHost => Bind.Equals(IPAddress.Any) || Bind.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : Bind.ToString();

    public bool IsStarted => _server.IsStarted;

    public async Task StartAsync()
    {
        // MQTTnet logs a listener that cannot bind and carries on; try the port first so the failure is ours to report.
        var probe = new TcpListener(Bind, Port) { ExclusiveAddressUse = true };
        probe.Start();
        probe.Stop();
        await _server.StartAsync();
        _logger.LogInformation("Embedded MQTT broker listening on {Address}:{Port}", Bind, Port);
    }

    // MQTT 5, 3.1.3.1.1 and 3.2.2.3.7: a client may send an empty client id and the server assigns one (mosquitto_sub
    // does so with -V mqttv5). MQTTnet refuses an empty id over 3.1.1 whatever we assign: such tools need `-i NAME`.
    private static Task AssignClientIdentifier(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId))
        {
            e.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("N")[..12];
        }

        return Task.CompletedTask;
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
