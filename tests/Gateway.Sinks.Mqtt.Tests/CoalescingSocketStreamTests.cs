using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>The write-coalescing socket stream under the MQTT client, over a real loopback TCP connection.</summary>
public sealed class CoalescingSocketStreamTests
{
    [Fact]
    public async Task SmallWritesAwaitedOneByOne_ArriveInOrder_InFarFewerSends()
    {
        const int writes = 20_000;
        await using var pair = await SocketPair.OpenAsync();
        var received = pair.ReadAllAsync();

        var packet = new byte[40];
        for (var i = 0; i < writes; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(packet, i);
            await pair.Stream.WriteAsync(packet);
        }

        pair.Stream.Dispose();
        var bytes = await received.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(writes * packet.Length, bytes.Length);
        for (var i = 0; i < writes; i++)
        {
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * packet.Length)));
        }

        Assert.True(pair.Stream.Sends < writes / 2, $"{pair.Stream.Sends} sends for {writes} writes");
    }

    [Fact]
    public async Task Dispose_SendsWhatIsStillQueued_BeforeClosing()
    {
        await using var pair = await SocketPair.OpenAsync();
        var received = pair.ReadAllAsync();
        var chunk = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        for (var i = 0; i < 50; i++)
        {
            await pair.Stream.WriteAsync(chunk);
        }

        pair.Stream.Dispose();
        var bytes = await received.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(50 * chunk.Length, bytes.Length);
        Assert.Equal(chunk, bytes[^chunk.Length..]);
    }

    [Fact]
    public async Task FlushAsync_ReturnsWhenEverythingWasSent()
    {
        await using var pair = await SocketPair.OpenAsync();
        await pair.Stream.WriteAsync(new byte[100_000]);
        await pair.Stream.FlushAsync();
        var buffer = new byte[100_000];
        var total = 0;
        while (total < buffer.Length)
        {
            total += await pair.Server.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None);
        }

        Assert.Equal(buffer.Length, total);
    }

    [Fact]
    public async Task AfterThePeerResetTheConnection_WritesFailWithIOException()
    {
        await using var pair = await SocketPair.OpenAsync();
        pair.Server.LingerState = new LingerOption(true, 0); // close with RST
        pair.Server.Close();

        var failure = await Assert.ThrowsAsync<IOException>(async () =>
        {
            var started = DateTime.UtcNow;
            while (DateTime.UtcNow - started < TimeSpan.FromSeconds(10))
            {
                await pair.Stream.WriteAsync(new byte[1000]);
                await Task.Delay(1);
            }
        });
        Assert.Contains("broker", failure.Message);
    }

    [Fact]
    public async Task Reads_ComeFromTheSocket()
    {
        await using var pair = await SocketPair.OpenAsync();
        await pair.Server.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
        var buffer = new byte[3];
        var read = 0;
        while (read < 3)
        {
            read += await pair.Stream.ReadAsync(buffer.AsMemory(read));
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
    }

    private sealed class SocketPair : IAsyncDisposable
    {
        private SocketPair(CoalescingSocketStream stream, Socket server)
        {
            Stream = stream;
            Server = server;
        }

        public CoalescingSocketStream Stream { get; }

        public Socket Server { get; }

        public static async Task<SocketPair> OpenAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var accept = listener.AcceptAsync();
            var stream = (CoalescingSocketStream)await new CoalescingStreamProvider().ConnectAsync(listener.LocalEndPoint!, CancellationToken.None);
            return new SocketPair(stream, await accept);
        }

        public async Task<byte[]> ReadAllAsync()
        {
            using var all = new MemoryStream();
            var buffer = new byte[65536];
            int read;
            while ((read = await Server.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                all.Write(buffer, 0, read);
            }

            return all.ToArray();
        }

        public ValueTask DisposeAsync()
        {
            Stream.Dispose();
            Server.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
