using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;
using Gateway.Melsec.Server;

namespace Gateway.Melsec.Tests;

/// <summary>
/// Golden frames, request and response bytes, laid out as the SLMP and MC protocol reference manuals' examples lay them
/// out (read D100 to D102, read M100 to M107, a random read, the 4E serial number, the iQ-R extension, the 1E frame of
/// the FX3U-ENET). Each vector is checked both ways: our client sends exactly the request bytes and decodes the
/// response into the values, and our server answers exactly the response bytes to the request.
/// </summary>
public sealed class FrameVectorTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));

    private static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text.Replace(" ", "", StringComparison.Ordinal));

    // D100 = 1995 (07CBh), D101 = 4660 (1234h), D102 = 2.
    private static void LoadWords(DeviceMemory memory)
    {
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 100), 0x07CB);
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 101), 0x1234);
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 102), 0x0002);
    }

    public static TheoryData<string, FrameType, bool, bool, byte[], byte[]> WordVectors => new()
    {
        {
            "3E binary",
            FrameType.Frame3E, false, false,
            Hex("5000 00 FF FF03 00 0C00 1000 0104 0000 640000 A8 0300"),
            Hex("D000 00 FF FF03 00 0800 0000 CB07 3412 0200")
        },
        {
            "3E ASCII",
            FrameType.Frame3E, true, false,
            Ascii("5000 00 FF 03FF 00 0018 0010 0401 0000 D* 000100 0003"),
            Ascii("D000 00 FF 03FF 00 0010 0000 07CB 1234 0002")
        },
        {
            "4E binary, serial 1",
            FrameType.Frame4E, false, false,
            Hex("5400 0100 0000 00 FF FF03 00 0C00 1000 0104 0000 640000 A8 0300"),
            Hex("D400 0100 0000 00 FF FF03 00 0800 0000 CB07 3412 0200")
        },
        {
            "4E ASCII, serial 1",
            FrameType.Frame4E, true, false,
            Ascii("5400 0001 0000 00 FF 03FF 00 0018 0010 0401 0000 D* 000100 0003"),
            Ascii("D400 0001 0000 00 FF 03FF 00 0010 0000 07CB 1234 0002")
        },
        {
            "3E binary, iQ-R extension (subcommand 0002)",
            FrameType.Frame3E, false, true,
            Hex("5000 00 FF FF03 00 0E00 1000 0104 0200 64000000 A800 0300"),
            Hex("D000 00 FF FF03 00 0800 0000 CB07 3412 0200")
        },
        {
            "3E ASCII, iQ-R extension (subcommand 0002)",
            FrameType.Frame3E, true, true,
            Ascii("5000 00 FF 03FF 00 001C 0010 0401 0002 D*** 00000100 0003"),
            Ascii("D000 00 FF 03FF 00 0010 0000 07CB 1234 0002")
        },
        {
            "1E binary (FX3U-ENET): batch read in word units",
            FrameType.Frame1E, false, false,
            Hex("01 FF 1000 64000000 2044 03 00"),
            Hex("81 00 CB07 3412 0200")
        },
        {
            "1E ASCII",
            FrameType.Frame1E, true, false,
            Ascii("01 FF 0010 4420 00000064 03 00"),
            Ascii("81 00 07CB 1234 0002")
        },
    };

    [Theory]
    [MemberData(nameof(WordVectors))]
    public async Task Our_client_sends_the_request_bytes_and_reads_the_response_values(string name, FrameType frame, bool ascii, bool extension, byte[] request, byte[] response)
    {
        await using var plc = new ScriptedPlc(_ => response);
        await using var client = await McClient.ConnectAsync("127.0.0.1", plc.Port, new McClientOptions { Format = new FrameFormat(frame, ascii), DeviceExtension = extension }, CancellationToken.None);

        var words = await client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 100), 3, CancellationToken.None);

        Assert.True(request.AsSpan().SequenceEqual(Assert.Single(plc.Requests)), $"{name}: sent {Convert.ToHexString(plc.Requests[0])}");
        Assert.Equal([1995, 0x1234, 2], words.Select(w => (int)w));
    }

    [Theory]
    [MemberData(nameof(WordVectors))]
    public async Task Our_server_answers_the_request_with_the_response_bytes(string name, FrameType frame, bool ascii, bool extension, byte[] request, byte[] response)
    {
        _ = extension;
        var memory = new DeviceMemory();
        LoadWords(memory);
        await using var server = McServer.Start(memory);

        var answer = server.Handle(request, new FrameFormat(frame, ascii));

        Assert.True(response.AsSpan().SequenceEqual(answer), $"{name}: answered {Convert.ToHexString(answer)}");
    }

    // M100..M107 = 0 1 0 0 0 0 1 1: two points per byte, the first in the upper nibble; ASCII one character per point.
    private static readonly bool[] Bits = [false, true, false, false, false, false, true, true];

    public static TheoryData<FrameType, bool, byte[], byte[]> BitVectors => new()
    {
        { FrameType.Frame3E, false, Hex("5000 00 FF FF03 00 0C00 1000 0104 0100 640000 90 0800"), Hex("D000 00 FF FF03 00 0600 0000 01 00 00 11") },
        { FrameType.Frame3E, true, Ascii("5000 00 FF 03FF 00 0018 0010 0401 0001 M* 000100 0008"), Ascii("D000 00 FF 03FF 00 000C 0000 01000011") },
        { FrameType.Frame1E, false, Hex("00 FF 1000 64000000 204D 08 00"), Hex("80 00 01 00 00 11") },
        { FrameType.Frame1E, true, Ascii("00 FF 0010 4D20 00000064 08 00"), Ascii("80 00 01000011") },
    };

    [Theory]
    [MemberData(nameof(BitVectors))]
    public async Task Bit_reads_match_both_ways(FrameType frame, bool ascii, byte[] request, byte[] response)
    {
        await using var plc = new ScriptedPlc(_ => response);
        await using (var client = await McClient.ConnectAsync("127.0.0.1", plc.Port, new McClientOptions { Format = new FrameFormat(frame, ascii) }, CancellationToken.None))
        {
            var bits = await client.ReadBitsAsync(new DeviceAddress(DeviceTypes.M, 100), 8, CancellationToken.None);
            Assert.Equal(Bits, bits);
        }

        Assert.Equal(Convert.ToHexString(request), Convert.ToHexString(plc.Requests[0]));
        var memory = new DeviceMemory();
        for (var i = 0; i < Bits.Length; i++)
        {
            memory.SetBit(new DeviceAddress(DeviceTypes.M, 100 + i), Bits[i]);
        }

        await using var server = McServer.Start(memory);
        Assert.Equal(Convert.ToHexString(response), Convert.ToHexString(server.Handle(request, new FrameFormat(frame, ascii))));
    }

    [Fact]
    public async Task Random_read_of_words_and_double_words_matches_both_ways()
    {
        // D0 and SD210 as words, D100-D101 as a double word (12345678h, the low word at D100).
        var request = Hex("5000 00 FF FF03 00 1400 1000 0304 0000 02 01 000000 A8 D20000 A9 640000 A8");
        var response = Hex("D000 00 FF FF03 00 0A00 0000 0700 EA07 78563412");
        var memory = new DeviceMemory();
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 0), 7);
        memory.SetWord(new DeviceAddress(DeviceTypes.SD, 210), 2026);
        memory.SetInt32(new DeviceAddress(DeviceTypes.D, 100), 0x12345678);
        await using var server = McServer.Start(memory);
        Assert.Equal(Convert.ToHexString(response), Convert.ToHexString(server.Handle(request, FrameFormat.Binary3E)));

        await using var plc = new ScriptedPlc(_ => response);
        await using var client = await McClient.ConnectAsync("127.0.0.1", plc.Port, new McClientOptions(), CancellationToken.None);
        var (words, doubles) = await client.RandomReadAsync([new(DeviceTypes.D, 0), new(DeviceTypes.SD, 210)], [new(DeviceTypes.D, 100)], CancellationToken.None);
        Assert.Equal(Convert.ToHexString(request), Convert.ToHexString(plc.Requests[0]));
        Assert.Equal([7, 2026], words.Select(w => (int)w));
        Assert.Equal(0x12345678u, Assert.Single(doubles));
    }

    [Fact]
    public void An_error_response_carries_the_end_code_and_the_request_s_route_and_command()
    {
        var memory = new DeviceMemory();
        var request = Hex("5000 00 FF FF03 00 0C00 1000 0104 0000 FFFF00 A8 0300");

        var answer = new McServerProbe(memory).Handle(request);

        // End code C056h (little-endian 56 C0), then network, PC, I/O, station, command, subcommand.
        Assert.Equal("D00000FFFF03000B0056C000FFFF0300010400 00".Replace(" ", "", StringComparison.Ordinal), Convert.ToHexString(answer));
    }

    private sealed class McServerProbe(DeviceMemory memory)
    {
        public byte[] Handle(byte[] request)
        {
            var server = McServer.Start(memory);
            try
            {
                return server.Handle(request, FrameFormat.Binary3E);
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }
}
