using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;

namespace Gateway.Melsec.Tests;

/// <summary>Responses that are not what the request asked for: every one a typed error (never a crash, never a wrong value), and the connection given up.</summary>
public sealed class MalformedResponseTests
{
    private static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));

    public static TheoryData<string, byte[]?, Type> Answers => new()
    {
        { "closed before answering", null, typeof(IOException) },
        { "wrong subheader", Hex("D400 00 FF FF03 00 0400 0000 0700"), typeof(McFrameException) },
        { "a length beyond any read", Hex("D000 00 FF FF03 00 FFFF 0000"), typeof(McFrameException) },
        { "fewer data bytes than words asked", Hex("D000 00 FF FF03 00 0300 0000 07"), typeof(McFrameException) },
        { "more data bytes than words asked", Hex("D000 00 FF FF03 00 0600 0000 0700 0800"), typeof(McFrameException) },
        { "two answers for one request", Hex("D000 00 FF FF03 00 0400 0000 0700 D000 00 FF FF03 00 0400 0000 0700"), typeof(McFrameException) },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task A_malformed_response_is_a_typed_error_and_ends_the_connection(string name, byte[]? answer, Type error)
    {
        await using var plc = new ScriptedPlc(_ => answer);
        await using var client = await McClient.ConnectAsync("127.0.0.1", plc.Port, new McClientOptions(), CancellationToken.None);

        var thrown = await Record.ExceptionAsync(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None));

        Assert.True(thrown is not null && error.IsInstanceOfType(thrown), $"{name}: {thrown}");
        Assert.False(client.IsUsable);
    }

    [Fact]
    public async Task A_response_cut_short_then_closed_is_an_io_error_naming_the_bytes_received()
    {
        await using var plc = new ScriptedPlc(_ => Hex("D000 00 FF"));
        await using var client = await McClient.ConnectAsync("127.0.0.1", plc.Port, new McClientOptions { RequestTimeout = TimeSpan.FromSeconds(1) }, CancellationToken.None);

        // The fake PLC keeps the connection open after the partial answer: the request times out.
        await Assert.ThrowsAsync<TimeoutException>(() => client.ReadWordsAsync(new DeviceAddress(DeviceTypes.D, 0), 1, CancellationToken.None));
    }

    /// <summary>
    /// 100,000 mutations (bytes flipped, cut, repeated, lengths rewritten) of recorded responses in every frame and
    /// code: decoding them either gives values or throws <see cref="McFrameException"/>; nothing else escapes.
    /// </summary>
    [Fact]
    public void Fuzzed_responses_give_only_typed_errors()
    {
        var recorded = new (FrameFormat Format, byte[] Frame, int Words)[]
        {
            (FrameFormat.Binary3E, Hex("D000 00 FF FF03 00 0800 0000 CB07 3412 0200"), 3),
            (new FrameFormat(FrameType.Frame4E), Hex("D400 0100 0000 00 FF FF03 00 0800 0000 CB07 3412 0200"), 3),
            (new FrameFormat(FrameType.Frame3E, true), "D00000FF03FF0000100000 07CB12340002"u8.ToArray().Where(b => b != ' ').ToArray(), 3),
            (new FrameFormat(FrameType.Frame4E, true), "D400000100000 0FF03FF00001000 0007CB12340002"u8.ToArray().Where(b => b != ' ').ToArray(), 3),
            (FrameFormat.Binary3E, Hex("D000 00 FF FF03 00 0B00 56C0 00 FF FF03 00 0104 0000"), 3),
        };
        var random = new Random(22);
        var decoded = 0;
        var refused = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var (format, original, count) = recorded[i % recorded.Length];
            var frame = Mutate(original, random);
            try
            {
                var response = McFrames.ParseResponse(frame, format, expectedSerial: 1);
                if (response.EndCode == 0)
                {
                    var words = new ushort[count];
                    McData.ReadWords(frame.AsSpan(response.DataOffset, response.DataLength), format.Ascii, words);
                    // The same data as bits (as many points as its bytes hold): nibbles or characters other than 0/1 are refused.
                    var bits = new bool[format.Ascii ? response.DataLength : response.DataLength * 2];
                    McData.ReadBits(frame.AsSpan(response.DataOffset, response.DataLength), format.Ascii, bits);
                }

                decoded++;
            }
            catch (McFrameException)
            {
                refused++;
            }

            // 1E responses have no length of their own: the same bytes through the 1E decoder.
            try
            {
                if (OneEFrames.TryGetResponseLength(frame, format.Ascii, 0x01, count * McData.WordBytes(format.Ascii), out var length) && length <= frame.Length)
                {
                    OneEFrames.ParseResponse(frame.AsSpan(0, length), format.Ascii);
                }
            }
            catch (McFrameException)
            {
            }
        }

        Assert.Equal(100_000, decoded + refused);
        Assert.True(refused > 50_000, $"only {refused} of 100,000 mutations were refused");
        Assert.True(decoded > 0, "no mutation decoded: the fuzz never reaches the data decoder");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var frame = original.ToList();
        switch (random.Next(6))
        {
            case 0:
                frame[random.Next(frame.Count)] = (byte)random.Next(256);
                break;
            case 1:
                var at = random.Next(frame.Count);
                frame.RemoveRange(at, Math.Min(frame.Count - at, 1 + random.Next(4)));
                break;
            case 2:
                frame.InsertRange(random.Next(frame.Count), Enumerable.Range(0, 1 + random.Next(6)).Select(_ => (byte)random.Next(256)));
                break;
            case 3:
                frame = frame.Take(random.Next(frame.Count)).ToList();
                break;
            case 4:
                // Rewrite the length field (binary 3E offset 7; elsewhere it hits other fields, also fine).
                if (frame.Count > 9)
                {
                    frame[7] = (byte)random.Next(256);
                    frame[8] = (byte)random.Next(4);
                }

                break;
            default:
                for (var k = 0; k < 3; k++)
                {
                    frame[random.Next(frame.Count)] ^= (byte)(1 << random.Next(8));
                }

                break;
        }

        return [.. frame];
    }
}
