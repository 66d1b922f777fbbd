using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;
using Gateway.Simulator;
using Gateway.Simulator.Melsec;
using Gateway.Testing;

namespace Gateway.Melsec.Tests;

/// <summary>
/// The built-in simulator's MELSEC PLC read by mcprotocol (npm; an independent MC protocol client, tests/servers/melsec)
/// over the 1E and 3E frames, binary and ASCII: each value equals what the simulator's device memory holds and what our
/// client reads, so the simulator is checked against someone else's reading of the protocol and our client against the
/// simulator. Values stand still during the test (one tick an hour). mcprotocol reads one item per run: it cannot split
/// two answers that arrive in one TCP read, and in ASCII 3E it writes counts of 10 or more in decimal digits.
/// </summary>
public sealed class McprotocolClientTests : IAsyncLifetime
{
    private static readonly string ScriptDirectory = RepositoryPaths.Combine("tests", "servers", "melsec");
    private SimulatorServer _simulator = null!;

    public async Task InitializeAsync() =>
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, MelsecPort = 0, RateMs = 3_600_000 });

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    [Theory]
    [InlineData("3E", false)]
    [InlineData("3E", true)]
    [InlineData("1E", false)]
    [InlineData("1E", true)]
    public async Task Mcprotocol_reads_the_values_the_simulator_holds_and_our_client_reads(string frame, bool ascii)
    {
        var map = _simulator.MelsecMap!;
        var memory = _simulator.Melsec!.Memory;
        var points = new[]
        {
            map.Points.First(p => p.Type == "int16"),
            map.Points.First(p => p.Type == "int32"),
            map.Points.First(p => p.Type == "float32"),
            map.Points.Last(p => p.Type == "float32"),
            map.Points.First(p => p.Type == "bit"),
        };
        var format = new FrameFormat(frame == "1E" ? FrameType.Frame1E : FrameType.Frame3E, ascii);
        await using var ours = await McClient.ConnectAsync("127.0.0.1", _simulator.Melsec.Port, new McClientOptions { Format = format }, CancellationToken.None);

        foreach (var point in points)
        {
            var item = point.Type switch
            {
                "int32" => $"DDINT{point.Device.Number}",
                "float32" => $"DFLOAT{point.Device.Number}",
                _ => point.Device.ToString(),
            };
            var theirs = await ReadWithMcprotocolAsync(frame, ascii, item);
            var (held, ourValue) = point.Type switch
            {
                "int16" => ((object)(double)(short)memory.GetWord(point.Device), (object)(double)(short)(await ours.ReadWordsAsync(point.Device, 1, CancellationToken.None))[0]),
                "int32" => (Int32(memory.GetWord(point.Device), memory.GetWord(point.Device.Offset(1))), Int32(await ours.ReadWordsAsync(point.Device, 2, CancellationToken.None))),
                "float32" => (Float(memory.GetWord(point.Device), memory.GetWord(point.Device.Offset(1))), Float(await ours.ReadWordsAsync(point.Device, 2, CancellationToken.None))),
                _ => (memory.GetBit(point.Device), (await ours.ReadBitsAsync(point.Device, 1, CancellationToken.None))[0]),
            };

            Assert.True(theirs.ValueKind != JsonValueKind.String, $"{frame} {(ascii ? "ASCII" : "binary")} {item} ({point.Path}): mcprotocol says {theirs}");
            object theirValue = theirs.ValueKind is JsonValueKind.True or JsonValueKind.False ? theirs.GetBoolean() : theirs.GetDouble();
            Assert.Equal(held, theirValue);
            Assert.Equal(held, ourValue);
        }
    }

    private static object Int32(params ushort[] words) => (double)(words[0] | (words[1] << 16));

    private static object Float(params ushort[] words) => (double)BitConverter.Int32BitsToSingle(words[0] | (words[1] << 16));

    private async Task<JsonElement> ReadWithMcprotocolAsync(string frame, bool ascii, string item)
    {
        Assert.True(Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "mcprotocol")), "mcprotocol is missing: run bash tests/servers/install.sh");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "read-devices.js", "127.0.0.1", _simulator.Melsec!.Port.ToString(CultureInfo.InvariantCulture), frame, ascii ? "true" : "false", item })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mcprotocol did not finish in 60 s: {await error}");
        }

        var line = (await output).Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no RESULT line from mcprotocol ({process.ExitCode}): {await output} {await error}");
        return JsonDocument.Parse(line["RESULT ".Length..]).RootElement.GetProperty("values").GetProperty(item).Clone();
    }
}
