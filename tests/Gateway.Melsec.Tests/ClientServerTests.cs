using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;
using Gateway.Melsec.Server;

namespace Gateway.Melsec.Tests;

/// <summary>Our client against our server (in this process, 127.0.0.1) in every frame and code: values as the memory holds them, end codes typed, the connection kept or given up as it should be.</summary>
public sealed class ClientServerTests : IAsyncLifetime
{
    private readonly DeviceMemory _memory = new();
    private McServer _server = null!;

    public Task InitializeAsync()
    {
        for (var i = 0; i < 1000; i++)
        {
            _memory.SetWord(new DeviceAddress(DeviceTypes.D, i), (ushort)(i * 7));
            _memory.SetBit(new DeviceAddress(DeviceTypes.M, i), i % 3 == 0);
        }

        _memory.SetWord(new DeviceAddress(DeviceTypes.W, 0x1A), 0xBEEF);
        _memory.SetBit(new DeviceAddress(DeviceTypes.X, 0x1F), true);
        _memory.SetInt32(new DeviceAddress(DeviceTypes.ZR, 10000), -123456789);
        _server = McServer.Start(_memory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<FrameType, bool, bool> Formats => new()
    {
        { FrameType.Frame3E, false, false },
        { FrameType.Frame3E, true, false },
        { FrameType.Frame4E, false, false },
        { FrameType.Frame4E, true, false },
        { FrameType.Frame3E, false, true },
        { FrameType.Frame4E, true, true },
        { FrameType.Frame1E, false, false },
        { FrameType.Frame1E, true, false },
    };

    private Task<McClient> ConnectAsync(FrameType frame, bool ascii, bool extension = false, TimeSpan? timeout = null) =>
        McClient.ConnectAsync("127.0.0.1", _server.Port, new McClientOptions { Format = new FrameFormat(frame, ascii), DeviceExtension = extension, RequestTimeout = timeout ?? TimeSpan.FromSeconds(10) }, CancellationToken.None);

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Words_and_bits_read_as_the_memory_holds_them(FrameType frame, bool ascii, bool extension)
    {
        await using var client = await ConnectAsync(frame, ascii, extension);
        var max = frame == FrameType.Frame1E ? 256 : 960;

        var words = await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 3), max, CancellationToken.None);
        var bits = await client.ReadBitsAsync(new DeviceAddress(DeviceTypes.M, 5), frame == FrameType.Frame1E ? 256 : 995, CancellationToken.None);
        var w1a = await client.ReadWordsAsync(DeviceAddress.Parse("W1A"), 1, CancellationToken.None);
        var x1f = await client.ReadBitsAsync(DeviceAddress.Parse("X1F"), 1, CancellationToken.None);

        Assert.Equal(Enumerable.Range(3, max).Select(i => (ushort)(i * 7)), words);
        Assert.Equal(Enumerable.Range(5, bits.Length).Select(i => i % 3 == 0), bits);
        Assert.Equal(0xBEEF, w1a[0]);
        Assert.True(x1f[0]);
    }

    [Theory]
    [InlineData(FrameType.Frame3E, false)]
    [InlineData(FrameType.Frame4E, true)]
    [InlineData(FrameType.Frame1E, false)]
    public async Task Udp_carries_one_request_and_one_answer_per_datagram(FrameType frame, bool ascii)
    {
        await using var client = await McClient.ConnectAsync("127.0.0.1", _server.Port, new McClientOptions { Format = new FrameFormat(frame, ascii), Transport = McTransport.Udp }, CancellationToken.None);

        var words = await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 10), 200, CancellationToken.None);
        var bits = await client.ReadBitsAsync(new DeviceAddress(DeviceTypes.M, 0), 30, CancellationToken.None);

        Assert.Equal(Enumerable.Range(10, 200).Select(i => (ushort)(i * 7)), words);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i % 3 == 0), bits);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Random_read_gives_scattered_words_and_double_words(bool ascii, bool extension)
    {
        await using var client = await ConnectAsync(FrameType.Frame3E, ascii, extension);
        var scattered = Enumerable.Range(0, extension ? 90 : 180).Select(i => new DeviceAddress(DeviceTypes.D, i * 5)).ToList();

        var (words, doubles) = await client.RandomReadAsync(scattered, [DeviceAddress.Parse("ZR10000")], CancellationToken.None);

        Assert.Equal(scattered.Select(d => (ushort)(d.Number * 7)), words);
        Assert.Equal(-123456789, unchecked((int)doubles[0]));
    }

    [Theory]
    [InlineData(FrameType.Frame3E, false, 0xC056)]
    [InlineData(FrameType.Frame3E, true, 0xC056)]
    [InlineData(FrameType.Frame4E, false, 0xC056)]
    [InlineData(FrameType.Frame1E, false, 0x58)]
    public async Task A_read_past_the_device_range_is_refused_with_its_end_code_and_the_connection_stays_usable(FrameType frame, bool ascii, int endCode)
    {
        await using var client = await ConnectAsync(frame, ascii);

        var refused = await Assert.ThrowsAsync<McEndCodeException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 12280), 100, CancellationToken.None));

        Assert.Equal(endCode, refused.EndCode);
        Assert.True(refused.IsAddressError);
        Assert.True(client.IsUsable);
        Assert.Equal(7 * 10, (await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 10), 1, CancellationToken.None))[0]);
    }

    [Fact]
    public async Task An_end_code_from_the_cpu_is_named_in_the_error()
    {
        _server.ForcedEndCode = 0x4031;
        await using var client = await ConnectAsync(FrameType.Frame3E, false);

        var refused = await Assert.ThrowsAsync<McEndCodeException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None));

        Assert.Equal(0x4031, refused.EndCode);
        Assert.False(refused.IsAddressError);
        Assert.Contains("4031h CpuError4031", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_server.Port}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_slower_than_the_timeout_gives_up_the_connection()
    {
        _server.ResponseDelay = TimeSpan.FromSeconds(3);
        await using var client = await ConnectAsync(FrameType.Frame3E, false, timeout: TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAsync<TimeoutException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None));

        Assert.False(client.IsUsable);
        await Assert.ThrowsAsync<IOException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None));
    }

    [Fact]
    public async Task A_cpu_that_resets_the_connection_gives_an_io_error_and_a_new_connection_works()
    {
        await using var client = await ConnectAsync(FrameType.Frame3E, false);
        Assert.Equal(0, (await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None))[0]);

        _server.ResetConnections();

        await Assert.ThrowsAnyAsync<IOException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 1), 1, CancellationToken.None));
        Assert.False(client.IsUsable);
        await using var again = await ConnectAsync(FrameType.Frame3E, false);
        Assert.Equal(7, (await again.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 1), 1, CancellationToken.None))[0]);
    }

    [Fact]
    public async Task Garbage_and_oversized_requests_close_that_connection_only()
    {
        foreach (var bad in new[] { "GARBAGE!"u8.ToArray(), Convert.FromHexString("500000FFFF0300FFFF"), Convert.FromHexString("5000") })
        {
            using var raw = new System.Net.Sockets.TcpClient();
            await raw.ConnectAsync("127.0.0.1", _server.Port);
            var stream = raw.GetStream();
            await stream.WriteAsync(bad);
            if (bad.Length == 2)
            {
                // A frame cut short: the server waits for the rest; the peer's close ends it.
                raw.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }

            var buffer = new byte[16];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var read = await stream.ReadAsync(buffer, wait.Token);
            Assert.Equal(0, read);
        }

        await using var client = await ConnectAsync(FrameType.Frame3E, false);
        Assert.Equal(14, (await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 2), 1, CancellationToken.None))[0]);
    }
}
