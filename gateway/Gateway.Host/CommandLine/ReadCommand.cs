using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.OpcUa;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
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
                // A NodeId that does not parse is a mistake on the command line: say so before connecting.
                var texts = parse.GetValue(nodes)!;
                foreach (var text in texts)
                {
                    try
                    {
                        ExpandedNodeId.Parse(text);
                    }
                    catch (FormatException e)
                    {
                        error.WriteLine($"gateway read: {e.Message}");
                        return ExitCodes.Usage;
                    }
                }

                if (connection.ClientOptions(parse, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero }) is not { } options)
                {
                    return ExitCodes.Usage;
                }

                await using var client = await OpcUaClient.ConnectAsync(parse.GetValue(endpoint)!, options, cancellationToken);

                // A namespace URI the server does not have fails that node only: the others are still read.
                var results = new DataValue[texts.Length];
                var ids = new List<NodeId>();
                var idPositions = new List<int>();
                var unresolved = 0;
                for (var i = 0; i < texts.Length; i++)
                {
                    try
                    {
                        ids.Add(client.ResolveNodeId(texts[i]));
                        idPositions.Add(i);
                    }
                    catch (UaServiceException e)
                    {
                        error.WriteLine($"gateway read: {texts[i]}: {e.Message}");
                        results[i] = new DataValue(Variant.Null, e.StatusCode);
                        unresolved++;
                    }
                }

                var values = ids.Count == 0 ? [] : await client.ReadValuesAsync(ids, cancellationToken);
                for (var i = 0; i < values.Length; i++)
                {
                    results[idPositions[i]] = values[i];
                }

                var structures = await DecodeStructuresAsync(client, ids, values, cancellationToken);
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(texts.Select((t, i) => ToJson(t, results[i], idPositions.IndexOf(i) is var k and >= 0 ? structures[k] : null)).ToArray(), JsonText.Options));
                }
                else
                {
                    for (var i = 0; i < results.Length; i++)
                    {
                        var v = results[i];
                        var structure = idPositions.IndexOf(i) is var k and >= 0 ? structures[k] : null;
                        output.WriteLine($"{texts[i]}\t{structure?.Json ?? Text(v.Value)}\t{structure?.TypeName ?? DataTypeName(v.Value)}\t{v.Status}\t{Time(v.SourceTimestamp)}");
                    }
                }

                return unresolved == 0 ? ExitCodes.Ok : ExitCodes.ConnectionError;
            }
            catch (UaException e)
            {
                error.WriteLine($"gateway read: {e.Message} ({e.StatusName})");
                return ExitCodes.ConnectionError;
            }
        });
        return command;
    }

    /// <summary>ISO 8601 in UTC with its offset designator (Z), to the 100 ns OPC UA keeps; no trailing zeros.</summary>
    public static string? Time(DateTime time) => time == default ? null : IsoTime(time);

    private static string IsoTime(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Structures decoded from the server's description of their DataType (DataTypeDefinition, else the 1.03
    /// dictionary): for each value read, its JSON and type name, or null when it is no structure or none is described.
    /// </summary>
    private static async Task<(string Json, string TypeName)?[]> DecodeStructuresAsync(OpcUaClient client, List<NodeId> ids, DataValue[] values, CancellationToken cancellationToken)
    {
        var decoded = new (string Json, string TypeName)?[values.Length];
        var structured = Enumerable.Range(0, values.Length).Where(i => values[i].Value.Type == BuiltInType.ExtensionObject && values[i].Value.Value is not ExtensionObject { Body: DecimalValue }).ToList();
        if (structured.Count == 0)
        {
            return decoded;
        }

        var catalog = new DataTypeCatalog(client);
        var dataTypes = await client.ReadAsync(structured.Select(i => new ReadValueId(ids[i], Attributes.DataType)).ToList(), TimestampsToReturn.Neither, cancellationToken);
        for (var j = 0; j < structured.Count; j++)
        {
            var i = structured[j];
            try
            {
                if (j < dataTypes.Length && dataTypes[j].Value.Value is NodeId dataType)
                {
                    await catalog.ResolveAsync(dataType, cancellationToken);
                }

                var value = values[i].Value;
                if (!value.IsArray && value.Value is ExtensionObject structure && catalog.TryDecode(structure) is { } one)
                {
                    decoded[i] = (one.ToJson(), one.Layout.Name);
                }
                else if (value.Value is ExtensionObject[] { Length: > 0 } array && array.Select(catalog.TryDecode).ToArray() is var items && items.All(d => d is not null))
                {
                    decoded[i] = ("[" + string.Join(",", items.Select(d => d!.ToJson())) + "]", items[0]!.Layout.Name + "[]");
                }
            }
            catch (Exception e) when (e is UaException or UaDecodingException)
            {
                // Not described, or not as described: the raw form is shown (type id and body).
            }
        }

        return decoded;
    }

    private static Dictionary<string, object?> ToJson(string nodeId, DataValue value, (string Json, string TypeName)? structure) => new()
    {
        ["nodeId"] = nodeId,
        ["value"] = structure is { } decoded ? JsonDocument.Parse(decoded.Json).RootElement.Clone() : JsonValue(value.Value),
        ["dataType"] = structure?.TypeName ?? DataTypeName(value.Value),
        ["status"] = value.Status.Name,
        ["statusCode"] = $"0x{value.Status.Code:X8}",
        ["sourceTimestamp"] = Time(value.SourceTimestamp),
        ["serverTimestamp"] = Time(value.ServerTimestamp),
    };

    /// <summary>The built-in type, except that a Decimal (an ExtensionObject on the wire) is called so.</summary>
    private static string DataTypeName(Variant value) =>
        value.Value is ExtensionObject { Body: DecimalValue } ? "Decimal" : value.Type.ToString();

    /// <summary>
    /// JSON for a value: numbers and strings as such, ByteString as base64, matrices as nested arrays, a Decimal as a
    /// number (a string with its exact digits when it exceeds System.Decimal), any other structure as
    /// <c>{"typeId": "ns=2;i=5001", "encoding": "binary", "body": "base64"}</c>.
    /// </summary>
    public static object? JsonValue(Variant value)
    {
        if (value.IsArray && value.Dimensions is { Length: > 1 } dimensions)
        {
            var flat = ((Array)value.Value!).Cast<object?>().Select(Scalar).ToArray();
            return Nest(flat, dimensions, 0, 0);
        }

        return value.IsArray ? ((Array)value.Value!).Cast<object?>().Select(Scalar).ToArray() : Scalar(value.Value);
    }

    /// <summary>A value as one line of text: what <see cref="JsonValue"/> gives, strings bare, the rest as JSON.</summary>
    public static string Text(Variant value) => JsonValue(value) switch
    {
        null => "null",
        string text => text,
        var other => JsonSerializer.Serialize(other, JsonText.Options),
    };

    private static object?[] Nest(object?[] flat, int[] dimensions, int level, int offset)
    {
        var stride = dimensions.Skip(level + 1).Aggregate(1, (a, b) => a * b);
        return Enumerable.Range(0, dimensions[level])
            .Select(i => level == dimensions.Length - 1 ? flat[offset + i] : (object?)Nest(flat, dimensions, level + 1, offset + (i * stride)))
            .ToArray();
    }

    private static object? Scalar(object? value) => value switch
    {
        null => null,
        byte[] bytes => Convert.ToBase64String(bytes),
        DateTime time => IsoTime(time),
        ExtensionObject { Body: DecimalValue number } => number.TryGetDecimal(out var exact) ? exact : number.ToString(),
        ExtensionObject structure => DataValueConversion.StructureFields(structure),
        LocalizedText text => text.Text,
        Variant inner => JsonValue(inner),
        float f when float.IsFinite(f) => f,
        double d when !double.IsFinite(d) => null,
        float => null,
        bool or sbyte or byte or short or ushort or int or uint or long or ulong or double or string => value,
        Guid guid => guid.ToString(),

        // NodeId, ExpandedNodeId, QualifiedName, StatusCode (name and hex), DataValue...: their text, never their
        // properties (reflection over them would throw or print internals).
        _ => value.ToString(),
    };
}
