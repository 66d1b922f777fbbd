using System.Net;
using System.Net.Sockets;

namespace Gateway.LoadTests;

/// <summary>
/// A slow server, made from a fast one: a TCP relay on 127.0.0.1 that forwards requests at once and holds every chunk
/// of the answer for <see cref="DelayMs"/> before passing it on. In front of an HTTP server (one request at a time per
/// connection) each request is answered <see cref="DelayMs"/> late, as an overloaded InfluxDB would. While
/// <see cref="Refusing"/>, it closes every connection at once instead, as a server that is down.
/// </summary>
public sealed class DelayingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public DelayingRelay(int targetPort, int delayMs)
    {
        _targetPort = targetPort;
        DelayMs = delayMs;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Can be changed while running (0 = a plain relay).</summary>
    public int DelayMs { get; set; }

    /// <summary>While true, new connections are accepted and closed at once (the client's write fails). Can be changed while running.</summary>
    public bool Refusing { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Refusing)
            {
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                await Task.WhenAny(PumpAsync(client, server, delayed: false), PumpAsync(server, client, delayed: true));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool delayed)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (delayed && DelayMs > 0)
                {
                    await Task.Delay(DelayMs, _stop.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
