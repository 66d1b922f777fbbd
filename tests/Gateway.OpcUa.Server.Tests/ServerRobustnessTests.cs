using System.Buffers.Binary;
using System.Net.Sockets;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>Malformed input closes that connection with an Error message; the server keeps serving everyone else.</summary>
public sealed class ServerRobustnessTests
{
    private static readonly NodeId Pressure = PressureServer.Pressure;

    private static byte[] Hello()
    {
        var url = "opc.tcp://127.0.0.1/"u8.ToArray();
        var message = new byte[32 + url.Length];
        "HELF"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(4), (uint)message.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(16), 65535);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(28), url.Length);
        url.CopyTo(message.AsSpan(32));
        return message;
    }

    private static async Task<(string Type, uint Status, bool Closed)> SendAndReadAsync(int port, params byte[][] messages)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        foreach (var m in messages)
        {
            await stream.WriteAsync(m);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[65536];
        var total = 0;
        string? errorType = null;
        uint status = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token);
            if (read == 0)
            {
                return (errorType ?? "none", status, true);
            }

            total += read;
            // Skip the Acknowledge; find the Error message.
            var offset = 0;
            while (total - offset >= 8)
            {
                var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 4));
                if (total - offset < size)
                {
                    break;
                }

                var type = System.Text.Encoding.ASCII.GetString(buffer, offset, 3);
                if (type == "ERR")
                {
                    errorType = type;
                    status = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8));
                }

                offset += size;
            }
        }
    }

    [Fact]
    public async Task GarbageAfterHelloGetsAnErrorAndTheServerStillServes()
    {
        await using var server = await PressureServer.StartAsync();

        // An OPN chunk whose body is cut short: the decoder runs out of bytes.
        var opn = new byte[20];
        "OPNF"u8.CopyTo(opn);
        BinaryPrimitives.WriteUInt32LittleEndian(opn.AsSpan(4), (uint)opn.Length);
        BinaryPrimitives.WriteInt32LittleEndian(opn.AsSpan(12), 1000); // a policy URI "of 1000 bytes"
        var cut = await SendAndReadAsync(server.Port, Hello(), opn);
        Assert.Equal("ERR", cut.Type);
        Assert.Equal(0x80070000u, cut.Status); // BadDecodingError
        Assert.True(cut.Closed);

        // A MSG before any OPN names a channel that does not exist.
        var msg = new byte[24];
        "MSGF"u8.CopyTo(msg);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(4), (uint)msg.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(8), 77);
        var unknown = await SendAndReadAsync(server.Port, Hello(), msg);
        Assert.Equal(0x807F0000u, unknown.Status); // BadTcpSecureChannelUnknown

        // Not a Hello at all.
        var junk = await SendAndReadAsync(server.Port, [.. Enumerable.Repeat((byte)0x41, 64)]);
        Assert.Equal(0x807E0000u, junk.Status); // BadTcpMessageTypeInvalid

        var random = new Random(3);
        for (var i = 0; i < 20; i++)
        {
            var noise = new byte[random.Next(8, 400)];
            random.NextBytes(noise);
            "MSGF"u8.CopyTo(noise);
            BinaryPrimitives.WriteUInt32LittleEndian(noise.AsSpan(4), (uint)noise.Length);
            var result = await SendAndReadAsync(server.Port, Hello(), noise);
            Assert.True(result.Closed);
        }

        await using var client = await OpcUaClient.ConnectAsync(server.EndpointUrl, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });
        var values = await client.ReadValuesAsync([Pressure]);
        Assert.True(values[0].Status.IsGood);
    }
}
