using System.Net;
using System.Net.Sockets;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>
/// The client's request timeouts (one timer per secure channel, armed for the earliest deadline) against a real server
/// (<see cref="UaServer"/> on a free loopback port) behind a relay that can stop passing the server's answers on.
/// </summary>
public sealed class ClientRequestTimeoutTests
{
    private static readonly NodeId Pressure = PressureServer.Pressure;

    [Fact]
    public async Task UnansweredRequestsTimeOutAtTheirOwnDeadlinesWhileALongerOneWaits()
    {
        await using var server = await PressureServer.StartAsync();
        await using var relay = MutingRelay.Start(server.Port);
        var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{relay.Port}", new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });
        try
        {
            // Answered while the relay passes everything on.
            var answered = await client.SendAsync<ReadResponse>(ReadPressure(), CancellationToken.None, TimeSpan.FromSeconds(30));
            Assert.Equal(4.2, answered.Results![0].Value.Value);

            relay.Muted = true;
            // A long deadline first, then a short one: the channel's timer must be re-armed for the earlier deadline.
            var longWait = client.SendAsync<ReadResponse>(ReadPressure(), CancellationToken.None, TimeSpan.FromMinutes(5));
            var first = await Assert.ThrowsAsync<UaServiceException>(() => client.SendAsync<ReadResponse>(ReadPressure(), CancellationToken.None, TimeSpan.FromMilliseconds(300)));
            Assert.Equal(StatusCodes.BadTimeout, first.StatusCode);
            Assert.Contains("no answer to Read within 0.3 s", first.Message, StringComparison.Ordinal);

            // After the timer fired it is armed again: a second short request times out too.
            var second = await Assert.ThrowsAsync<UaServiceException>(() => client.SendAsync<ReadResponse>(ReadPressure(), CancellationToken.None, TimeSpan.FromMilliseconds(200)));
            Assert.Equal(StatusCodes.BadTimeout, second.StatusCode);

            // The request with five minutes left is still waiting; closing the channel ends it with the channel's error.
            Assert.False(longWait.IsCompleted);
            await client.DisposeAsync();
            var closed = await Assert.ThrowsAnyAsync<UaException>(() => longWait.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.NotEqual(StatusCodes.BadTimeout, closed.StatusCode);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task CancellingTheCallerStillThrowsOperationCanceledNotBadTimeout()
    {
        await using var server = await PressureServer.StartAsync();
        await using var relay = MutingRelay.Start(server.Port);
        await using var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{relay.Port}", new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });
        relay.Muted = true;
        using var cancel = new CancellationTokenSource();
        var waiting = client.SendAsync<ReadResponse>(ReadPressure(), cancel.Token, TimeSpan.FromMinutes(5));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    private static ReadRequest ReadPressure() => new() { NodesToRead = [new ReadValueId(Pressure)], TimestampsToReturn = TimestampsToReturn.Neither };

    /// <summary>Passes bytes both ways; while muted it swallows what the server sends (the client hears nothing).</summary>
    private sealed class MutingRelay : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;

        private MutingRelay(int targetPort)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _accept = Task.Run(() => AcceptAsync(targetPort));
        }

        public int Port { get; }

        public volatile bool Muted;

        public static MutingRelay Start(int targetPort) => new(targetPort);

        private async Task AcceptAsync(int targetPort)
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var upstream = new TcpClient();
                    await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
                    _ = PumpAsync(client, upstream, mutable: false);
                    _ = PumpAsync(upstream, client, mutable: true);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task PumpAsync(TcpClient from, TcpClient to, bool mutable)
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    var read = await from.GetStream().ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    if (!(mutable && Muted))
                    {
                        await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accept;
            _stop.Dispose();
        }
    }
}
