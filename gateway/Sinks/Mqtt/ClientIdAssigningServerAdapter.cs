using System.Net;
using System.Security.Cryptography.X509Certificates;

using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// MQTTnet's TCP listener, with one change: an MQTT 3.1.1 client that connects with an empty client id and
/// CleanSession=1 gets an id assigned, as MQTT 3.1.1, 3.1.3.1 allows and mosquitto does (mosquitto_sub's default).
/// MQTTnet only assigns ids to MQTT 5 clients and answers "identifier rejected" to the rest, before any event of
/// its own could change the id; so the CONNECT packet gets its id here, as it is read.
/// </summary>
internal sealed class ClientIdAssigningServerAdapter : IMqttServerAdapter
{
    private readonly MqttTcpServerAdapter _tcp = new();

    public ClientIdAssigningServerAdapter()
    {
        _tcp.ClientHandler = channel => ClientHandler is { } handler ? handler(new Channel(channel)) : Task.CompletedTask;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger) => _tcp.StartAsync(options, logger);

    public Task StopAsync() => _tcp.StopAsync();

    public void Dispose() => _tcp.Dispose();

    /// <summary>The id given to a client that sent none, like mosquitto's "auto-" ids.</summary>
    public static string NewClientId() => "auto-" + Guid.NewGuid().ToString("N");

    private sealed class Channel(IMqttChannelAdapter inner) : IMqttChannelAdapter
    {
        private bool _connectSeen;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken);
            if (!_connectSeen && packet is MqttConnectPacket connect)
            {
                _connectSeen = true;

                // MQTT 3.1.1, 3.1.3.1: a zero-byte ClientId needs CleanSession=1 [MQTT-3.1.3-7], else the server rejects it
                // [MQTT-3.1.3-8]; MQTT 5 clients get theirs from the ValidatingConnection handler, which also returns it.
                if (string.IsNullOrEmpty(connect.ClientId) && connect.CleanSession
                    && inner.PacketFormatterAdapter.ProtocolVersion is MqttProtocolVersion.V311 or MqttProtocolVersion.V310)
                {
                    connect.ClientId = NewClientId();
                }
            }

            return packet;
        }

        public void Dispose() => inner.Dispose();
    }
}
