using System.Net;
using System.Net.Sockets;

namespace Gateway.Melsec.Tests;

/// <summary>
/// A fake PLC on 127.0.0.1 that answers each request with the bytes a test scripts (a golden response, a truncated or
/// oversized frame, garbage), records what it received, or closes the connection: the misbehaving CPU a real server
/// cannot be made to be.
/// </summary>
internal sealed class ScriptedPlc : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<byte[], byte[]?> _answer;
    private readonly Task _serving;
    private readonly List<byte[]> _requests = [];

    /// <param name="answer">Given one request's bytes (as received in one read), what to send back; null closes the connection.</param>
    public ScriptedPlc(Func<byte[], byte[]?> answer)
    {
        _answer = answer;
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<byte[]> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    var buffer = new byte[65536];
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await socket.ReceiveAsync(buffer, SocketFlags.None);
                        }
                        catch (SocketException)
                        {
                            return;
                        }

                        if (read == 0)
                        {
                            return;
                        }

                        var request = buffer[..read];
                        lock (_requests)
                        {
                            _requests.Add(request);
                        }

                        if (_answer(request) is not { } response)
                        {
                            return;
                        }

                        if (response.Length > 0)
                        {
                            await socket.SendAsync(response, SocketFlags.None);
                        }
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
    }
}
