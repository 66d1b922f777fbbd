using System.Text.Json;

using Xunit;

namespace Gateway.Testing;

/// <summary>The rules every stream of one edge node's messages must keep, checked on what the independent decoder saw.</summary>
public static class SparkplugStream
{
    public static IEnumerable<JsonElement> OfType(this IEnumerable<JsonElement> messages, string type) =>
        messages.Where(m => m.GetProperty("type").GetString() == type);

    public static string Type(this JsonElement message) => message.GetProperty("type").GetString()!;

    public static string? Device(this JsonElement message) => message.GetProperty("device").GetString();

    public static long? Seq(this JsonElement message) => message.GetProperty("seq").ValueKind == JsonValueKind.Null ? null : message.GetProperty("seq").GetInt64();

    public static IEnumerable<JsonElement> Metrics(this JsonElement message) => message.GetProperty("metrics").EnumerateArray();

    public static long BdSeq(this JsonElement message) =>
        long.Parse(message.Metrics().Single(m => m.GetProperty("name").GetString() == "bdSeq").GetProperty("value").ToString(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One data point as the host application resolves it: device, metric name (from the birth's alias), the metric.</summary>
    public sealed record DataPoint(string Device, string Name, JsonElement Metric, string DataType);

    /// <summary>
    /// Walks the messages as a host application does and fails on any break of the rules: NBIRTH first (seq 0, bdSeq,
    /// Node Control/Rebirth), a DBIRTH before a device's DDATA or DDEATH, DDATA by alias only and every alias known from
    /// the device's birth, seq continuing by one (wrapping after 255) over every message but NDEATH.
    /// </summary>
    public static List<DataPoint> Check(IReadOnlyList<JsonElement> messages)
    {
        var points = new List<DataPoint>();
        long? expectedSeq = null;
        var aliases = new Dictionary<string, Dictionary<long, (string Name, string Type)>>();
        var alive = new HashSet<string>();
        var nodeBorn = false;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var type = message.Type();
            var where = $"message {i} ({type} {message.GetProperty("topic").GetString()})";
            if (type is "NCMD" or "DCMD")
            {
                continue; // the host's own commands, not the node's messages
            }

            if (type == "NDEATH")
            {
                nodeBorn = false;
                expectedSeq = null;
                alive.Clear();
                continue;
            }

            var seq = message.Seq();
            Assert.True(seq is not null, $"{where} has no seq");
            if (type == "NBIRTH")
            {
                Assert.Equal(0, seq);
                var names = message.Metrics().Select(m => m.GetProperty("name").GetString()).ToList();
                Assert.Contains("bdSeq", names);
                Assert.Contains("Node Control/Rebirth", names);
                nodeBorn = true;
                alive.Clear();
            }
            else
            {
                Assert.True(nodeBorn, $"{where} came before any NBIRTH of this session");
                Assert.True(seq == expectedSeq, $"{where} has seq {seq}, expected {expectedSeq} (no gap, wrapping after 255)");
            }

            expectedSeq = (seq + 1) % 256;
            var device = message.Device();
            switch (type)
            {
                case "DBIRTH":
                    var map = new Dictionary<long, (string, string)>();
                    foreach (var metric in message.Metrics())
                    {
                        Assert.Equal(JsonValueKind.String, metric.GetProperty("name").ValueKind);
                        // The library names datatypes up to 21; the 3.0 arrays (22..34) by their code.
                        var typeName = metric.GetProperty("type").GetString() ?? "code " + metric.GetProperty("datatype").GetInt32();
                        map.Add(metric.GetProperty("alias").GetInt64(), (metric.GetProperty("name").GetString()!, typeName));
                    }

                    aliases[device!] = map;
                    alive.Add(device!);
                    break;
                case "DDATA":
                    Assert.True(alive.Contains(device!), $"{where}: DDATA of device '{device}' before its DBIRTH (or after its DDEATH)");
                    foreach (var metric in message.Metrics())
                    {
                        Assert.Equal(JsonValueKind.Null, metric.GetProperty("name").ValueKind);
                        var alias = metric.GetProperty("alias").GetInt64();
                        Assert.True(aliases[device!].TryGetValue(alias, out var known), $"{where}: alias {alias} is not in device '{device}''s DBIRTH");
                        points.Add(new DataPoint(device!, known.Name, metric, known.Type));
                    }

                    break;
                case "DDEATH":
                    Assert.True(alive.Remove(device!), $"{where}: DDEATH of device '{device}' that was not born");
                    break;
            }
        }

        return points;
    }
}
