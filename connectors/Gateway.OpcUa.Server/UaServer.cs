using System.Net;
using System.Net.Sockets;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Channels;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.OpcUa.Server;

/// <summary>
/// A small OPC UA server (UA-TCP, UA Binary, SecurityPolicy None): listens, answers Hello, opens secure channels and
/// serves the <see cref="UaAddressSpace"/> through the <see cref="ServiceDispatcher"/>. One connection's failure closes
/// that connection only.
/// </summary>
public sealed class UaServer : IAsyncDisposable
{
    private readonly UaServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private PublishEngine? _engine;

    public UaServer(UaAddressSpace addressSpace, UaServerOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        AddressSpace = addressSpace;
        Dispatcher = new ServiceDispatcher(addressSpace, options, _logger);
    }

    public UaAddressSpace AddressSpace { get; }

    public ServiceDispatcher Dispatcher { get; }

    /// <summary>The port actually bound (the chosen one when <see cref="UaServerOptions.Port"/> was 0).</summary>
    public int Port { get; private set; }

    public string EndpointUrl { get; private set; } = "";

    public int OpenConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count(t => !t.IsCompleted);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IPAddress.TryParse(_options.BindAddress, out var address))
        {
            throw new ArgumentException($"bind address '{_options.BindAddress}' is not an IP address; use e.g. 127.0.0.1 or 0.0.0.0");
        }

        if (_options.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"port {_options.Port} is outside 0..65535 (0 picks a free port)");
        }

        _listener = new TcpListener(address, _options.Port);
        try
        {
            _listener.Start(512);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"cannot listen on {_options.BindAddress}:{_options.Port}: {e.Message} (is another server using the port? choose another with --port, or 0 for a free one)", e);
        }

        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var host = _options.HostName ?? (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : _options.BindAddress);
        if (host.Contains(':', StringComparison.Ordinal))
        {
            host = $"[{host}]";
        }

        EndpointUrl = $"opc.tcp://{host}:{Port}";
        Dispatcher.EndpointUrl = EndpointUrl;
        _engine = new PublishEngine(Dispatcher, _logger);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        _logger.LogInformation("OPC UA server listening on {EndpointUrl}", EndpointUrl);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient tcp;
            try
            {
                tcp = await _listener!.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("accept failed: {Reason}", e.Message);
                continue;
            }

            tcp.NoDelay = true;
            var task = Task.Run(() => ServeAsync(tcp), CancellationToken.None);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(TcpClient tcp)
    {
        var remote = tcp.Client.RemoteEndPoint?.ToString() ?? "?";
        UaTcpConnection connection;
        try
        {
            using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            helloTimeout.CancelAfter(TimeSpan.FromSeconds(10));
            var limits = new TransportLimits
            {
                ReceiveBufferSize = 65535,
                SendBufferSize = 65535,
                MaxMessageSize = _options.Limits.MaxMessageSize,
                MaxChunkCount = _options.Limits.MaxChunkCount,
            };
            connection = await UaTcpConnection.AcceptAsync(tcp, limits, helloTimeout.Token);
        }
        catch (Exception e)
        {
            _logger.LogInformation("connection from {Remote} refused during Hello: {Reason}", remote, e.Message);
            await TrySendErrorAsync(tcp, e);
            tcp.Dispose();
            return;
        }

        var channel = new ServerChannel(connection, Dispatcher, _logger);
        await channel.RunAsync(_stop.Token);
    }

    /// <summary>Part 6, 7.1.2.5: a bad Hello gets an Error message before the socket closes.</summary>
    private static async Task TrySendErrorAsync(TcpClient tcp, Exception e)
    {
        try
        {
            var status = e is UaException ua ? ua.StatusCode : Gateway.OpcUa.Status.StatusCodes.BadTcpInternalError;
            var reason = System.Text.Encoding.UTF8.GetBytes(e.Message);
            var message = new byte[16 + reason.Length];
            ChunkHeader.Write(message, ChunkHeader.Error, ChunkHeader.Final, (uint)message.Length);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), status);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(12), reason.Length);
            reason.CopyTo(message.AsSpan(16));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await tcp.GetStream().WriteAsync(message, timeout.Token);
        }
        catch (Exception ignored) when (ignored is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or SocketException)
        {
        }
    }

    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        AddressSpace.SetShuttingDown();
        await _stop.CancelAsync();
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        foreach (var session in Dispatcher.Sessions.ToList())
        {
            Dispatcher.CloseSession(session);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
