using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Melsec;
using Gateway.Core;
using Gateway.Melsec;
using Gateway.Melsec.Client;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway melsec read HOST[:PORT] DEVICE[:TYPE]... [--frame 3e|4e|1e] [--ascii] [--cpu q] [--json]`: reads MELSEC
/// devices once, coalesced as a source reads them. Exit 2 when the PLC answers an end code other than 0 for any of them
/// (or cannot be reached).
/// </summary>
public static class MelsecCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("HOST[:PORT]") { Description = "The PLC port opened for the MC protocol, e.g. 192.168.0.10:5000 (port 5000 when left out)." };
        var devices = new Argument<string[]>("DEVICE") { Description = "Devices as in GX Works, each with an optional :type (bit, int16, uint16, int32, uint32, float32, float64, bcd16, bcd32, string/N), e.g. D100 D102:float32 M0 D200:string/8.", Arity = ArgumentArity.OneOrMore };
        var frame = new Option<string>("--frame") { Description = "3e (default), 4e or 1e (FX3U-ENET).", DefaultValueFactory = _ => "3e" };
        frame.AcceptOnlyFromAmong("3e", "4e", "1e");
        var ascii = new Option<bool>("--ascii") { Description = "ASCII code instead of binary (as the port is set in the PLC)." };
        var udp = new Option<bool>("--udp") { Description = "UDP instead of TCP." };
        var cpu = new Option<string>("--cpu") { Description = "q (default), l, iqr, iqf or fx3 (iqf and fx3 number X/Y in octal).", DefaultValueFactory = _ => "q" };
        cpu.AcceptOnlyFromAmong("q", "l", "iqr", "iqf", "fx3");
        var extension = new Option<bool>("--device-extension") { Description = "iQ-R device extension (subcommands 0002/0003)." };
        var timeout = new Option<int>("--timeout-ms") { Description = "How long to wait for each response.", DefaultValueFactory = _ => 5000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON array (the shape of `gateway read --json`)." };
        var read = new Command("read", "Read MELSEC devices once over the MC protocol (SLMP).") { target, devices, frame, ascii, udp, cpu, extension, timeout, json };
        read.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var (host, port) = HostAndPort(parse.GetValue(target)!);
            var options = new MelsecSourceOptions
            {
                Host = host,
                Port = port,
                Frame = parse.GetValue(frame)!,
                Ascii = parse.GetValue(ascii),
                Transport = parse.GetValue(udp) ? "udp" : "tcp",
                Cpu = parse.GetValue(cpu)!,
                DeviceExtension = parse.GetValue(extension),
                RequestTimeoutMs = parse.GetValue(timeout),
            };
            var texts = parse.GetValue(devices)!;
            var tags = new List<MelsecTag>();
            foreach (var text in texts)
            {
                try
                {
                    tags.Add(MelsecTag.From(TagOf(text), options.OctalInputs));
                }
                catch (FormatException e)
                {
                    error.WriteLine($"gateway melsec read: {text}: {e.Message}");
                    return ExitCodes.Usage;
                }
            }

            var is1E = options.Frame == "1e";
            var plan = ReadPlan.For(tags, is1E ? 256 : McClient.MaxWordPoints, is1E ? 256 : McClient.MaxBitPoints, options.MaxGapWords, is1E ? 0 : McClient.MaxRandomPoints);
            List<TagResult> results;
            try
            {
                await using var client = await McClient.ConnectAsync(host, port, options.ClientOptions(), cancellationToken);
                results = await plan.ReadAsync(client, cancellationToken);
            }
            catch (Exception e) when (e is McException or IOException or TimeoutException)
            {
                error.WriteLine($"gateway melsec read: {e.Message}");
                return ExitCodes.ConnectionError;
            }

            var now = DateTime.UtcNow;
            var byTag = results.ToDictionary(r => (object)r.Tag, ReferenceEqualityComparer.Instance);
            var ordered = tags.Select(t => byTag[t]).ToList();
            foreach (var refused in ordered.Where(r => r.EndCode is not null))
            {
                error.WriteLine($"gateway melsec read: {refused.Tag.Source.Tag}: end code {EndCodes.Describe(refused.EndCode!.Value)}");
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(ordered.Select(r => ToJson(r, now)).ToArray(), JsonText.Options));
            }
            else
            {
                foreach (var r in ordered)
                {
                    output.WriteLine($"{r.Tag.Source.Tag}\t{Text(r.Value)}\t{DataType(r.Tag.Type)}\t{StatusName(r)}\t{ReadCommand.Time(now)}");
                }
            }

            return ordered.Any(r => r.EndCode is not null) ? ExitCodes.ConnectionError : ExitCodes.Ok;
        });
        return new Command("melsec", "MELSEC PLCs over the MC protocol (SLMP).") { read };
    }

    private static (string Host, int Port) HostAndPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (text[..colon], port)
            : (text, 5000);
    }

    /// <summary>"D102:float32" or "D200:string/8" as a source tag with that address.</summary>
    private static SourceTag TagOf(string text)
    {
        var parts = text.Split(':', 2);
        var address = new MelsecTagAddress { Device = parts[0] };
        if (parts.Length == 2)
        {
            var type = parts[1].Split('/', 2);
            if (!MelsecTagAddress.Types.Contains(type[0].ToLowerInvariant()))
            {
                throw new FormatException($"unknown type '{type[0]}'; one of {string.Join(", ", MelsecTagAddress.Types)}");
            }

            address.Type = type[0].ToLowerInvariant();
            if (type.Length == 2)
            {
                address.Length = int.TryParse(type[1], NumberStyles.None, CultureInfo.InvariantCulture, out var words) && words is > 0 and <= 480
                    ? words
                    : throw new FormatException($"'{type[1]}' is not a number of words (1 to 480)");
            }
        }

        return new SourceTag("cli", "cli", "cli", text, TimeSpan.FromSeconds(1), new MelsecGroupOptions(), address, "melsec", LabelSet.Empty);
    }

    private static Dictionary<string, object?> ToJson(TagResult result, DateTime now) => new()
    {
        ["nodeId"] = result.Tag.Source.Tag,
        ["value"] = JsonValue(result.Value),
        ["dataType"] = DataType(result.Tag.Type),
        ["status"] = StatusName(result),
        ["statusCode"] = $"0x{result.Status:X8}",
        ["sourceTimestamp"] = ReadCommand.Time(now),
        ["serverTimestamp"] = ReadCommand.Time(now),
    };

    private static object? JsonValue(ReadingValue value) => value.Kind switch
    {
        ValueKind.Boolean => value.AsBoolean(),
        ValueKind.Int64 => value.AsInt64(),
        ValueKind.Double => value.AsDouble(),
        ValueKind.String => value.AsString(),
        _ => null,
    };

    private static string Text(ReadingValue value) => JsonValue(value) switch
    {
        null => "null",
        string s => s,
        var other => JsonSerializer.Serialize(other, JsonText.Options),
    };

    /// <summary>The OPC UA built-in type name the value would have, as `gateway read` prints it.</summary>
    private static string DataType(MelsecValueType type) => type switch
    {
        MelsecValueType.Bit => "Boolean",
        MelsecValueType.Int16 => "Int16",
        MelsecValueType.UInt16 => "UInt16",
        MelsecValueType.Int32 => "Int32",
        MelsecValueType.UInt32 => "UInt32",
        MelsecValueType.Float32 => "Float",
        MelsecValueType.Float64 => "Double",
        MelsecValueType.String => "String",
        _ => "Int64",
    };

    private static string StatusName(TagResult result) => result.EndCode is { } code
        ? EndCodes.NameOf(code)
        : result.Status switch
        {
            MelsecValues.Good => "Good",
            MelsecValues.BadDataEncodingInvalid => "BadDataEncodingInvalid",
            _ => $"0x{result.Status:X8}",
        };
}
