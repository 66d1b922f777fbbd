using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>
/// A relay on 127.0.0.1 that reads the server's UA-TCP frames and, once armed, flips one byte near the end (in the
/// signature) of the next MSG chunk it forwards to the client, or sends that chunk twice: a man in the middle changing
/// or replaying a message.
/// </summary>
public sealed class TamperingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accept;
    private int _armed;
    private int _replay;

    public TamperingRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public int Tampered { get; private set; }

    public void TamperNextMessage() => Interlocked.Exchange(ref _armed, 1);

    public void ReplayNextMessage() => Interlocked.Exchange(ref _replay, 1);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }

                _ = CopyAsync(new NetworkStream(client), new NetworkStream(server), tamper: false);
                _ = CopyAsync(new NetworkStream(server), new NetworkStream(client), tamper: true);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool tamper)
    {
        var header = new byte[8];
        try
        {
            while (true)
            {
                await from.ReadExactlyAsync(header, _stop.Token);
                var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                var frame = new byte[size];
                header.CopyTo(frame, 0);
                await from.ReadExactlyAsync(frame.AsMemory(8), _stop.Token);
                var message = tamper && header[0] == 'M' && header[1] == 'S' && header[2] == 'G';
                if (message && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    frame[^3] ^= 0x5A;
                    Tampered++;
                }

                await to.WriteAsync(frame, _stop.Token);
                if (message && Interlocked.Exchange(ref _replay, 0) == 1)
                {
                    await to.WriteAsync(frame, _stop.Token);
                    Tampered++;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        await _accept;
        _stop.Dispose();
    }
}
