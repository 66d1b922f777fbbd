using System.Globalization;
using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Sparkplug.Tests;

/// <summary>
/// The edge node's life against a real mosquitto, checked by an independent Sparkplug host application
/// (tests/servers/sparkplug/host.js on Eclipse Tahu's sparkplug-payload): births, aliases, seq, bdSeq, deaths, commands.
/// </summary>
public sealed class EdgeNodeLifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Births_come_before_data_and_every_value_and_datatype_arrives_as_served()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync(o => o.Datatypes = new()
        {
            ["I8"] = "Int8", ["I16"] = "Int16", ["I32"] = "Int32", ["U8"] = "UInt8", ["U16"] = "UInt16", ["U32"] = "UInt32",
            ["U64"] = "UInt64", ["F"] = "Float", ["When"] = "DateTime", ["Note"] = "Text", ["Id"] = "UUID",
            ["I8s"] = "Int8Array", ["I16s"] = "Int16Array", ["I32s"] = "Int32Array", ["U8s"] = "UInt8Array", ["U16s"] = "UInt16Array",
            ["U32s"] = "UInt32Array", ["U64s"] = "UInt64Array", ["Fs"] = "FloatArray", ["Whens"] = "DateTimeArray",
        });
        var when = new DateTime(2026, 12, 1, 8, 30, 0, 250, DateTimeKind.Utc);
        var whenMs = new DateTimeOffset(when).ToUnixTimeMilliseconds();
        var served = new List<Reading>
        {
            SparkplugBed.Reading("cnc1", "I8", ReadingValue.FromInt64(-5)),
            SparkplugBed.Reading("cnc1", "I16", ReadingValue.FromInt64(-300)),
            SparkplugBed.Reading("cnc1", "I32", ReadingValue.FromInt64(-70_000)),
            SparkplugBed.Reading("cnc1", "I64", ReadingValue.FromInt64(-5_000_000_000_000)),
            SparkplugBed.Reading("cnc1", "U8", ReadingValue.FromInt64(200)),
            SparkplugBed.Reading("cnc1", "U16", ReadingValue.FromInt64(60_000)),
            SparkplugBed.Reading("cnc1", "U32", ReadingValue.FromInt64(4_000_000_000)),
            SparkplugBed.Reading("cnc1", "U64", ReadingValue.FromInt64(9_000_000_000_000_000_000)),
            SparkplugBed.Reading("cnc1", "F", ReadingValue.FromDouble(1.5)),
            SparkplugBed.Reading("cnc1", "D", ReadingValue.FromDouble(3.25)),
            SparkplugBed.Reading("cnc1", "B", ReadingValue.FromBoolean(true)),
            SparkplugBed.Reading("cnc1", "S", ReadingValue.FromString("spindle ü")),
            SparkplugBed.Reading("cnc1", "When", ReadingValue.FromInt64(whenMs)),
            SparkplugBed.Reading("cnc1", "Note", ReadingValue.FromString("long text")),
            SparkplugBed.Reading("cnc1", "Id", ReadingValue.FromString("0f8fad5b-d9cb-469f-a165-70867728950e")),
            SparkplugBed.Reading("cnc1", "Temp", ReadingValue.FromDouble(21.5), quality: Quality.Uncertain, status: 0x40000000),
            SparkplugBed.Reading("cnc1", "Tool", ReadingValue.FromJson("""{"no":7,"name":"드릴"}""")),
            SparkplugBed.Reading("cnc2", "I8s", ReadingValue.FromArray(new long[] { -23, 123 })),
            SparkplugBed.Reading("cnc2", "I16s", ReadingValue.FromArray(new long[] { -30_000, 2 })),
            SparkplugBed.Reading("cnc2", "I32s", ReadingValue.FromArray(new long[] { 123_456_789, -987_654_321 })),
            SparkplugBed.Reading("cnc2", "I64s", ReadingValue.FromArray(new long[] { -1, long.MaxValue })),
            SparkplugBed.Reading("cnc2", "U8s", ReadingValue.FromArray(new long[] { 23, 250 })),
            SparkplugBed.Reading("cnc2", "U16s", ReadingValue.FromArray(new long[] { 30, 52_000 })),
            SparkplugBed.Reading("cnc2", "U32s", ReadingValue.FromArray(new long[] { 52, 3_000_000_000 })),
            SparkplugBed.Reading("cnc2", "U64s", ReadingValue.FromArray(new long[] { 52, 8_000_000_000_000_000_000 })),
            SparkplugBed.Reading("cnc2", "Fs", ReadingValue.FromArray(new[] { 1.5, -2.25 })),
            SparkplugBed.Reading("cnc2", "Ds", ReadingValue.FromArray(new[] { 4.5, -1e300 })),
            SparkplugBed.Reading("cnc2", "Bs", ReadingValue.FromArray(new[] { false, false, true, true, false, true, false, false, true, true, false, true })),
            SparkplugBed.Reading("cnc2", "Ss", ReadingValue.FromArray(new[] { "ABC", "hello", "" })),
            SparkplugBed.Reading("cnc2", "Whens", ReadingValue.FromArray(new[] { whenMs, whenMs + 1000 })),
        };
        await sink.DeliverAsync(served, CancellationToken.None);

        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 2, Patience, "two DDATA");
        var points = SparkplugStream.Check(messages);
        Assert.Equal("NBIRTH", messages[0].Type());
        Assert.Equal(2, messages.OfType("DBIRTH").Count());

        var expectedTypes = new Dictionary<string, string>
        {
            ["I8"] = "Int8", ["I16"] = "Int16", ["I32"] = "Int32", ["I64"] = "Int64", ["U8"] = "UInt8", ["U16"] = "UInt16", ["U32"] = "UInt32",
            ["U64"] = "UInt64", ["F"] = "Float", ["D"] = "Double", ["B"] = "Boolean", ["S"] = "String", ["When"] = "DateTime", ["Note"] = "Text",
            ["Id"] = "UUID", ["Temp"] = "Double", ["Tool"] = "Text",
        };
        foreach (var (tag, type) in expectedTypes)
        {
            Assert.Equal(type, points.Single(p => p.Name == tag).DataType);
        }

        // Array datatypes (22..34) are newer than the library's names, so their codes are checked.
        var arrayCodes = new Dictionary<string, int>
        {
            ["I8s"] = 22, ["I16s"] = 23, ["I32s"] = 24, ["I64s"] = 25, ["U8s"] = 26, ["U16s"] = 27, ["U32s"] = 28, ["U64s"] = 29,
            ["Fs"] = 30, ["Ds"] = 31, ["Bs"] = 32, ["Ss"] = 33, ["Whens"] = 34,
        };
        var births = messages.OfType("DBIRTH").SelectMany(b => b.Metrics()).ToDictionary(m => m.GetProperty("name").GetString()!);
        foreach (var (tag, code) in arrayCodes)
        {
            Assert.Equal(code, births[tag].GetProperty("datatype").GetInt32());
        }

        string Value(string tag) => points.Single(p => p.Name == tag).Metric.GetProperty("value").ToString();
        string Raw(string tag, string field) => points.Single(p => p.Name == tag).Metric.GetProperty(field).ToString();
        string Array(string tag) => string.Join(",", points.Single(p => p.Name == tag).Metric.GetProperty("array").EnumerateArray().Select(e => e.ToString()));
        Assert.Equal("-5", Value("I8"));
        Assert.Equal("-300", Value("I16"));
        Assert.Equal("-70000", Value("I32"));
        Assert.Equal("-5000000000000", Value("I64"));
        Assert.Equal("200", Value("U8"));
        Assert.Equal("60000", Value("U16"));
        Assert.Equal("4000000000", Raw("U32", "longValue"));
        Assert.Equal("9000000000000000000", Value("U64"));
        Assert.Equal("1.5", Value("F"));
        Assert.Equal("3.25", Value("D"));
        Assert.Equal("True", Value("B"));
        Assert.Equal("spindle ü", Value("S"));
        Assert.Equal(whenMs.ToString(CultureInfo.InvariantCulture), Value("When"));
        Assert.Equal("long text", Value("Note"));
        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e", Value("Id"));
        Assert.Equal("""{"no":7,"name":"드릴"}""", Value("Tool"));
        Assert.Equal("-23,123", Array("I8s"));
        Assert.Equal("-30000,2", Array("I16s"));
        Assert.Equal("123456789,-987654321", Array("I32s"));
        Assert.Equal($"-1,{long.MaxValue}", Array("I64s"));
        Assert.Equal("23,250", Array("U8s"));
        Assert.Equal("30,52000", Array("U16s"));
        Assert.Equal("52,3000000000", Array("U32s"));
        Assert.Equal("52,8000000000000000000", Array("U64s"));
        Assert.Equal("1.5,-2.25", Array("Fs"));
        Assert.Equal([4.5, -1e300], points.Single(p => p.Name == "Ds").Metric.GetProperty("array").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal("False,False,True,True,False,True,False,False,True,True,False,True", Array("Bs"));
        Assert.Equal("ABC,hello,", Array("Ss"));
        Assert.Equal($"{whenMs},{whenMs + 1000}", Array("Whens"));

        // The specification's own example of a packed BooleanArray: count 12, then 0x34 0xD0.
        Assert.Equal("12,0,0,0,52,208", string.Join(",", points.Single(p => p.Name == "Bs").Metric.GetProperty("bytes").EnumerateArray().Select(e => e.GetInt32())));

        // Metric timestamps are the readings' source timestamps; quality is a property where it is not Good.
        foreach (var reading in served)
        {
            var point = points.Single(p => p.Device == reading.Machine && p.Name == reading.Tag);
            Assert.Equal(new DateTimeOffset(reading.Timestamp).ToUnixTimeMilliseconds(), point.Metric.GetProperty("timestamp").GetInt64());
            Assert.False(point.Metric.GetProperty("isHistorical").GetBoolean());
        }

        Assert.Equal(64, points.Single(p => p.Name == "Temp").Metric.GetProperty("quality").GetInt32());
        Assert.Equal(JsonValueKind.Null, points.Single(p => p.Name == "D").Metric.GetProperty("quality").ValueKind);
    }

    [Fact]
    public async Task Seq_runs_without_gap_and_wraps_one_message_per_machine_per_batch_and_the_goodbye_NDEATH_has_the_birth_bdSeq()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        const int batches = 140;
        for (var i = 0; i < batches; i++)
        {
            await sink.DeliverAsync(
                [
                    SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(i)),
                    SparkplugBed.Reading("cnc2", "Count", ReadingValue.FromInt64(i)),
                    SparkplugBed.Reading("cnc1", "Load", ReadingValue.FromDouble(i * 0.5)),
                ],
                CancellationToken.None);
        }

        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 2 * batches, Patience, $"{2 * batches} DDATA");
        var points = SparkplugStream.Check(messages);
        Assert.Single(messages.OfType("NBIRTH"));
        Assert.True(messages.Count > 256, "the test must cross the seq wrap");
        Assert.Contains(messages, m => m.Type() == "DDATA" && m.Seq() == 255);
        Assert.Contains(messages.SkipWhile(m => m.Seq() != 255).Skip(1), m => m.Seq() == 0);
        Assert.Equal(Enumerable.Range(0, batches).Select(i => (double)i), points.Where(p => p.Name == "Speed").Select(p => p.Metric.GetProperty("value").GetDouble()));
        Assert.Equal(Enumerable.Range(0, batches).Select(i => i.ToString(CultureInfo.InvariantCulture)), points.Where(p => p.Name == "Count").Select(p => p.Metric.GetProperty("value").ToString()));

        var birth = messages.OfType("NBIRTH").Single();
        await sink.StopAsync(CancellationToken.None);
        var death = (await bed.Host.WaitForAsync(m => m.OfType("NDEATH").Any(), Patience, "NDEATH")).OfType("NDEATH").Single();
        Assert.Equal(birth.BdSeq(), death.BdSeq());
    }

    [Fact]
    public async Task A_crashed_gateway_dies_through_its_Will_and_is_born_again_with_a_new_bdSeq_and_every_device()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1)), SparkplugBed.Reading("cnc2", "Speed", ReadingValue.FromDouble(2))], CancellationToken.None);
        await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 2, Patience, "two DDATA");

        // As kill -9 does: the TCP connection ends without DISCONNECT, so the broker publishes the Will.
        bed.Relay.Closed = true;
        bed.Relay.AbortAll();
        var messages = await bed.Host.WaitForAsync(m => m.OfType("NDEATH").Any(), Patience, "the Will (NDEATH)");
        var firstBirth = messages.OfType("NBIRTH").Single();
        Assert.Equal(firstBirth.BdSeq(), messages.OfType("NDEATH").Single().BdSeq());
        await sink.DisposeAsync();

        // The gateway starts again with the same data directory: a new bdSeq, a full birth with every device it sends.
        var restarted = bed.CreateSink();
        bed.Relay.Closed = false;
        await restarted.StartAsync(CancellationToken.None);
        await SparkplugBed.WaitForStateAsync(restarted, ConnectionState.Connected);
        await restarted.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(3)), SparkplugBed.Reading("cnc2", "Speed", ReadingValue.FromDouble(4))], CancellationToken.None);
        messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 4, Patience, "DDATA after the restart");
        SparkplugStream.Check(messages);
        var secondBirth = messages.OfType("NBIRTH").Last();
        Assert.NotEqual(firstBirth.BdSeq(), secondBirth.BdSeq());
        var afterRestart = messages.SkipWhile(m => !ReferenceEquals(m.GetProperty("topic").GetString(), null) && m.Type() != "NDEATH").Skip(1).ToList();
        Assert.Equal(["cnc1", "cnc2"], afterRestart.OfType("DBIRTH").Select(m => m.Device()).Order());

        await restarted.StopAsync(CancellationToken.None);
        messages = await bed.Host.WaitForAsync(m => m.OfType("NDEATH").Count() == 2, Patience, "the second NDEATH");
        Assert.Equal(secondBirth.BdSeq(), messages.OfType("NDEATH").Last().BdSeq());
    }

    [Fact]
    public async Task A_machine_whose_source_is_lost_gets_DDEATH_and_a_new_DBIRTH_when_it_is_back()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1)), SparkplugBed.Reading("cnc2", "Speed", ReadingValue.FromDouble(2))], CancellationToken.None);
        await sink.DeliverAsync([SparkplugBed.SourceLost("cnc1", "Speed"), SparkplugBed.Reading("cnc2", "Speed", ReadingValue.FromDouble(3))], CancellationToken.None);
        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDEATH").Any() && m.OfType("DDATA").Count() == 3, Patience, "DDEATH of cnc1");
        Assert.Equal("cnc1", messages.OfType("DDEATH").Single().Device());

        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(4))], CancellationToken.None);
        messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 4, Patience, "cnc1 back");
        var points = SparkplugStream.Check(messages);
        var afterDeath = messages.SkipWhile(m => m.Type() != "DDEATH").Skip(1).Where(m => m.Device() == "cnc1").Select(m => (m.Type(), m.Device())).ToList();
        Assert.Equal(("DBIRTH", "cnc1"), afterDeath[0]);
        Assert.Equal(("DDATA", "cnc1"), afterDeath[1]);
        Assert.Equal([1.0, 4.0], points.Where(p => p.Device == "cnc1").Select(p => p.Metric.GetProperty("value").GetDouble()));
    }

    [Fact]
    public async Task NCMD_rebirth_births_again_and_bad_commands_are_logged_and_ignored()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1))], CancellationToken.None);
        await bed.Host.WaitForAsync(m => m.OfType("DDATA").Any(), Patience, "DDATA");

        await bed.Host.SendAsync("malformed");
        await bed.Host.SendAsync("unknown-metric");
        await WaitForAsync(() => bed.Log.Warnings.Count(w => w.Contains("NCMD", StringComparison.Ordinal)) >= 2, "two NCMD warnings");
        Assert.Contains(bed.Log.Warnings, w => w.Contains("not a Sparkplug payload", StringComparison.Ordinal));
        Assert.Contains(bed.Log.Warnings, w => w.Contains("Node Control/Self Destruct", StringComparison.Ordinal));
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(2))], CancellationToken.None);
        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 2, Patience, "DDATA after the bad commands");
        Assert.Single(messages.OfType("NBIRTH"));
        Assert.Equal(ConnectionState.Connected, sink.State);

        // The rebirth needs no data: NBIRTH (seq 0, same bdSeq) and the DBIRTH of cnc1 with its last value.
        await bed.Host.SendAsync("rebirth");
        messages = await bed.Host.WaitForAsync(m => m.OfType("NBIRTH").Count() == 2 && m.OfType("DBIRTH").Count() == 2, Patience, "the rebirth");
        SparkplugStream.Check(messages);
        Assert.Equal(messages.OfType("NBIRTH").First().BdSeq(), messages.OfType("NBIRTH").Last().BdSeq());
        var rebirth = messages.OfType("DBIRTH").Last().Metrics().Single();
        Assert.Equal("Speed", rebirth.GetProperty("name").GetString());
        Assert.Equal(2.0, rebirth.GetProperty("value").GetDouble());

        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(3))], CancellationToken.None);
        messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 3, Patience, "DDATA after the rebirth");
        SparkplugStream.Check(messages);
    }

    [Fact]
    public async Task A_new_metric_of_a_born_machine_gives_its_DDEATH_and_a_DBIRTH_with_the_whole_set()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1))], CancellationToken.None);
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(2)), SparkplugBed.Reading("cnc1", "Feed", ReadingValue.FromInt64(7))], CancellationToken.None);
        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Count() == 2, Patience, "two DDATA");
        var points = SparkplugStream.Check(messages);
        Assert.Single(messages.OfType("NBIRTH"));
        Assert.Equal(["NBIRTH", "DBIRTH", "DDATA", "DDEATH", "DBIRTH", "DDATA"], messages.Select(m => m.Type()));
        Assert.Equal(["Feed", "Speed"], messages.OfType("DBIRTH").Last().Metrics().Select(m => m.GetProperty("name").GetString()).Order());
        var rebirth = messages.OfType("DBIRTH").Last().Metrics().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(1.0, rebirth["Speed"].GetProperty("value").GetDouble()); // the last value before this batch
        Assert.True(rebirth["Feed"].GetProperty("isNull").GetBoolean()); // no value yet; its datatype is already known
        Assert.Equal("Int64", rebirth["Feed"].GetProperty("type").GetString());
        Assert.Equal("7", points.Single(p => p.Name == "Feed").Metric.GetProperty("value").ToString());
    }

    [Fact]
    public async Task A_machine_larger_than_the_payload_limit_is_split_into_several_DDATA()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync(o => o.MaxPayloadBytes = 2048);
        var batch = Enumerable.Range(0, 400).Select(i => SparkplugBed.Reading("cnc1", "Tag" + (i % 100), ReadingValue.FromDouble(i))).ToList();
        await sink.DeliverAsync(batch, CancellationToken.None);
        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Sum(d => d.Metrics().Count()) == 400, Patience, "400 metrics");
        var points = SparkplugStream.Check(messages);
        Assert.True(messages.OfType("DDATA").Count() > 1);
        Assert.All(messages.OfType("DDATA"), d => Assert.True(d.GetProperty("size").GetInt32() <= 2048, $"DDATA of {d.GetProperty("size").GetInt32()} bytes"));
        Assert.Equal(Enumerable.Range(0, 400).Select(i => (double)i), points.Select(p => p.Metric.GetProperty("value").GetDouble()));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
