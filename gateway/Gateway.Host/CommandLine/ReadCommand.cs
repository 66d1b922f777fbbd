using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway read ENDPOINT NODEID... [--json]`: reads the Value attribute of each node once.</summary>
public static class ReadCommand
{
    public static Command Create()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "The server, e.g. opc.tcp://192.168.0.10:4840." };
        var nodes = new Argument<string[]>("NODEID") { Description = "NodeIds: ns=2;s=Speed, i=2258, nsu=URI;s=..." , Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON array." };
        var command = new Command("read", "Read the value of OPC UA nodes once.") { endpoint, nodes, json };
        var connection = new ConnectionOptions();
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                if (connection.ClientOptions(parse, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero }) is not { } options)
                {
                    return ExitCodes.Usage;
                }

                await using var client = await OpcUaClient.ConnectAsync(parse.GetValue(endpoint)!, options, cancellationToken);
                var texts = parse.GetValue(nodes)!;
                var ids = new List<NodeId>();
                foreach (var text in texts)
                {
                    try
                    {
                        ids.Add(client.ResolveNodeId(text));
                    }
                    catch (FormatException e)
                    {
                        error.WriteLine($"gateway read: {e.Message}");
                        return ExitCodes.Usage;
                    }
                }

                var values = await client.ReadValuesAsync(ids, cancellationToken);
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(texts.Zip(values, ToJson).ToArray()));
                }
                else
                {
                    for (var i = 0; i < values.Length; i++)
                    {
                        var v = values[i];
                        output.WriteLine($"{texts[i]}\t{v.Value}\t{v.Value.Type}\t{v.Status.Name}\t{Time(v.SourceTimestamp)}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (UaException e)
            {
                error.WriteLine($"gateway read: {e.Message} ({e.StatusName})");
                return ExitCodes.ConnectionError;
            }
        });
        return command;
    }

    private static string? Time(DateTime time) => time == default ? null : time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static Dictionary<string, object?> ToJson(string nodeId, DataValue value) => new()
    {
        ["nodeId"] = nodeId,
        ["value"] = JsonValue(value.Value),
        ["dataType"] = value.Value.Type.ToString(),
        ["status"] = value.Status.Name,
        ["statusCode"] = value.Status.Code,
        ["sourceTimestamp"] = Time(value.SourceTimestamp),
        ["serverTimestamp"] = Time(value.ServerTimestamp),
    };

    /// <summary>JSON for a value: numbers and strings as such, ByteString as base64, matrices as nested arrays.</summary>
    public static object? JsonValue(Variant value)
    {
        if (value.IsArray && value.Dimensions is { Length: > 1 } dimensions)
        {
            var flat = ((Array)value.Value!).Cast<object?>().Select(Scalar).ToArray();
            return Nest(flat, dimensions, 0, 0);
        }

        return value.IsArray ? ((Array)value.Value!).Cast<object?>().Select(Scalar).ToArray() : Scalar(value.Value);
    }

    private static object?[] Nest(object?[] flat, int[] dimensions, int level, int offset)
    {
        var stride = dimensions.Skip(level + 1).Aggregate(1, (a, b) => a * b);
        return Enumerable.Range(0, dimensions[level])
            .Select(i => level == dimensions.Length - 1 ? flat[offset + i] : (object?)Nest(flat, dimensions, level + 1, offset + (i * stride)))
            .ToArray();
    }

    private static object? Scalar(object? value) => value switch
    {
        byte[] bytes => Convert.ToBase64String(bytes),
        DateTime time => time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        NodeId or ExpandedNodeId or QualifiedName or StatusCode => value.ToString(),
        LocalizedText text => text.Text,
        Variant inner => JsonValue(inner),
        float f when float.IsFinite(f) => f,
        double d when !double.IsFinite(d) => null,
        float => null,
        _ => value,
    };
}
