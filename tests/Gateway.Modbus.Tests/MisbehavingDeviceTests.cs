using System.Net;
using System.Net.Sockets;

using Gateway.Connectors.Modbus;
using Gateway.Core;

namespace Gateway.Modbus.Tests;

/// <summary>
/// Devices that break the rules, made with raw sockets on 127.0.0.1 (no Modbus library would misbehave on purpose):
/// one that closes the socket after each answer, one that answers with a wrong transaction id, one that sends a
/// short frame. Each is refused with a typed error and the channel reset; nothing crashes and good answers still read.
/// </summary>
public class MisbehavingDeviceTests
{
    [Fact]
    public async Task ADeviceThatClosesAfterEachAnswerIsReconnectedBeforeEachRequest()
    {
        await using var device = new RawDevice((request, answer) => answer(Normal(request, 0x0102), true));
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        await client.ConnectAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal([0x0102], await client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        }

        Assert.True(((MbapTcpTransport)client.Transport).Connects >= 5);
    }

    [Fact]
    public async Task AWrongTransactionIdIsRefusedTheChannelResetAndTheNextRequestServed()
    {
        var answers = 0;
        await using var device = new RawDevice((request, answer) =>
        {
            var frame = Normal(request, 0x0A0B);
            if (Interlocked.Increment(ref answers) == 2)
            {
                frame[0] ^= 0x55;
            }

            answer(frame, false);
        });
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        await client.ConnectAsync(CancellationToken.None);
        Assert.Equal([0x0A0B], await client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        await Assert.ThrowsAsync<ModbusFrameException>(() => client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        Assert.Equal([0x0A0B], await client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        Assert.Equal(1, client.Transport.FramesRefused);
        Assert.Equal(2L, ((MbapTcpTransport)client.Transport).Connects);
    }

    [Fact]
    public async Task AShortFrameIsRefused()
    {
        var answers = 0;
        await using var device = new RawDevice((request, answer) =>
        {
            var frame = Normal(request, 0x0C0D);
            if (Interlocked.Increment(ref answers) == 2)
            {
                // The MBAP length says 5 bytes follow but the byte count says 2 registers: the PDU is short.
                frame[5] = 4;
                frame[8] = 4;
                answer(frame[..^1], false);
                return;
            }

            answer(frame, false);
        });
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        await client.ConnectAsync(CancellationToken.None);
        Assert.Equal([0x0C0D], await client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        await Assert.ThrowsAsync<ModbusFrameException>(() => client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
        Assert.Equal([0x0C0D], await client.ReadHoldingRegistersAsync(1, 0, 1, CancellationToken.None));
    }

    [Fact]
    public async Task TheConnectorReadsThroughADeviceThatClosesAfterEachAnswer()
    {
        await using var device = new RawDevice((request, answer) => answer(Normal(request, 77), true));
        var connector = Collector.Connector(new ModbusSourceOptions { Host = "127.0.0.1", Port = device.Port, RequestTimeoutMs = 5000 }, Collector.Tag("v", "40001"));
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        await output.WaitForAsync(_ => output.All.Count(r => r.Quality == Quality.Good && r.Value.AsInt64() == 77) >= 3, "three Good readings");
        Assert.DoesNotContain(output.All, r => r.Quality != Quality.Good);
        await stop.CancelAsync();
        await run;
    }

    /// <summary>The normal answer to a read of one register: the request's MBAP header, function 3, 2 bytes, the value.</summary>
    private static byte[] Normal(byte[] request, ushort value) =>
        [request[0], request[1], 0, 0, 0, 5, request[6], 0x03, 0x02, (byte)(value >> 8), (byte)value];

    /// <summary>A TCP listener on 127.0.0.1 that reads whole MBAP requests and answers through the given callback.</summary>
    private sealed class RawDevice : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        public RawDevice(Action<byte[], Action<byte[], bool>> onRequest)
        {
            _listener.Start();
            _accepting = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    _ = Task.Run(async () =>
                    {
                        using var stream = new NetworkStream(socket, ownsSocket: true);
                        var request = new byte[12];
                        try
                        {
                            while (true)
                            {
                                await stream.ReadExactlyAsync(request, _stop.Token);
                                var close = false;
                                onRequest(request, (frame, closeAfter) =>
                                {
                                    stream.Write(frame);
                                    close = closeAfter;
                                });
                                if (close)
                                {
                                    return;
                                }
                            }
                        }
                        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or SocketException)
                        {
                        }
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
