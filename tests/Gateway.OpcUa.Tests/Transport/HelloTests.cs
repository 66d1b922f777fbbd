using System.Net;
using System.Net.Sockets;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Transport;

/// <summary>
/// Part 6, 7.1.2: the Hello / Acknowledge exchange when the other side is not an OPC UA server. The message must say
/// which side did what: our timer ran out, or the peer closed the connection.
/// </summary>
public sealed class HelloTests
{
    [Fact]
    public async Task A_peer_that_accepts_and_stays_silent_is_a_timeout_of_ours_waiting_for_the_Acknowledge()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync();
        var endpoint = $"opc.tcp://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";

        var error = await Assert.ThrowsAsync<UaTransportException>(() => UaTcpConnection.ConnectAsync(endpoint, new TransportLimits(), TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Equal(StatusCodes.BadTimeout, error.StatusCode);
        Assert.Contains("sent no Acknowledge to our Hello within 1 s", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("closed", error.Message, StringComparison.Ordinal);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task A_peer_that_closes_after_the_Hello_is_named_as_the_side_that_closed()
    {
        using var closing = new TcpListener(IPAddress.Loopback, 0);
        closing.Start();
        var endpoint = $"opc.tcp://127.0.0.1:{((IPEndPoint)closing.LocalEndpoint).Port}";
        var peer = Task.Run(async () =>
        {
            using var socket = await closing.AcceptSocketAsync();
            var hello = new byte[8];
            await socket.ReceiveAsync(hello);
            socket.Shutdown(SocketShutdown.Both);
        });

        var error = await Assert.ThrowsAsync<UaTransportException>(() => UaTcpConnection.ConnectAsync(endpoint, new TransportLimits(), TimeSpan.FromSeconds(30), CancellationToken.None));
        await peer;

        Assert.Equal(StatusCodes.BadConnectionClosed, error.StatusCode);
        Assert.Contains("the server closed the connection after our Hello", error.Message, StringComparison.Ordinal);
    }
}
