using Gateway.Connectors.Melsec;
using Gateway.Core;
using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Server;

namespace Gateway.Melsec.Tests.Plugin;

/// <summary>How tags become requests: coalesced within the protocol's limits, lone ones into random reads, and a request the CPU refuses split until the refused tag is alone.</summary>
public sealed class ReadPlanTests
{
    internal static MelsecTag Tag(string device, string? type = null, int length = 1, string name = "") =>
        MelsecTag.From(
            new SourceTag("plc", "m1", "g", name.Length > 0 ? name : device + (type is null ? "" : ":" + type), TimeSpan.FromSeconds(1), new MelsecGroupOptions(), new MelsecTagAddress { Device = device, Type = type, Length = length }, "melsec", LabelSet.Empty),
            octalInputs: false);

    private static ReadPlan Plan(params MelsecTag[] tags) => ReadPlan.For(tags, 960, 7168, 32, 192);

    [Fact]
    public void Adjacent_tags_of_one_device_share_a_batch_read_up_to_960_words()
    {
        // maxGapWords 960: any distance within one request's reach is worth reading through.
        var plan = ReadPlan.For([Tag("D0"), Tag("D1", "int32"), Tag("D3", "float64"), Tag("D940", "string", 20)], 960, 7168, 960, 192);

        var read = Assert.IsType<BatchWordRead>(Assert.Single(plan.Reads));
        Assert.Equal((new DeviceAddress(DeviceTypes.D, 0), 960), (read.Head, read.Points));

        // D958-D961 would make the request 962 words long: it starts the next one.
        var split = ReadPlan.For([Tag("D0"), Tag("D20"), Tag("D958", "float64")], 960, 7168, 960, 0);
        Assert.Equal([(0, 21), (958, 4)], split.Reads.Cast<BatchWordRead>().Select(r => (r.Head.Number, r.Points)));

        // With the default gap of 32 words, tags 900 words apart are two requests.
        var gapped = ReadPlan.For([Tag("D0"), Tag("D1", "int32"), Tag("D940", "string", 20)], 960, 7168, 32, 0);
        Assert.Equal([(0, 3), (940, 20)], gapped.Reads.Cast<BatchWordRead>().Select(r => (r.Head.Number, r.Points)));
    }

    [Fact]
    public void Bits_share_a_batch_read_up_to_7168_points_and_devices_never_mix()
    {
        var plan = ReadPlan.For([Tag("M0"), Tag("M7167"), Tag("M7168"), Tag("X1F"), Tag("D0")], 960, 7168, 960, 192);

        Assert.Equal(
            ["D0 x1", "M0 x7168", "M7168 x1", "X1F x1"],
            plan.Reads.Select(r => r switch
            {
                BatchWordRead w => $"{w.Head} x{w.Points}",
                BatchBitRead b => $"{b.Head} x{b.Points}",
                _ => "random",
            }).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Lone_one_and_two_word_tags_go_into_random_reads_of_at_most_192_points()
    {
        var tags = Enumerable.Range(0, 200).Select(i => Tag($"D{i * 100}", i % 2 == 0 ? "int16" : "int32")).Append(Tag("W1A")).ToArray();

        var plan = Plan(tags);

        Assert.All(plan.Reads, r => Assert.IsType<RandomRead>(r));
        Assert.Equal([192, 9], plan.Reads.Select(r => r.Tags.Count));
    }

    [Fact]
    public async Task A_plc_without_random_read_gets_batch_reads_instead()
    {
        var memory = new DeviceMemory();
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 0), 11);
        memory.SetWord(new DeviceAddress(DeviceTypes.D, 5000), 22);
        await using var server = McServer.Start(memory);
        await using var client = await McClient.ConnectAsync("127.0.0.1", server.Port, new McClientOptions(), CancellationToken.None);
        var plan = Plan(Tag("D0"), Tag("D5000"));
        Assert.IsType<RandomRead>(Assert.Single(plan.Reads));

        // The server answers C059h to every request while forced; lift it once the plan has seen one refusal.
        server.ForcedEndCode = 0xC059;
        var refused = await plan.ReadAsync(client, CancellationToken.None);
        server.ForcedEndCode = null;
        var results = await plan.ReadAsync(client, CancellationToken.None);

        Assert.All(refused, r => Assert.Equal((ushort)0xC059, r.EndCode));
        Assert.All(plan.Reads, r => Assert.IsType<BatchWordRead>(r));
        Assert.Equal([11L, 22L], results.OrderBy(r => r.Tag.Device.Number).Select(r => r.Value.AsInt64()));
    }

    [Fact]
    public async Task A_refused_address_is_split_out_and_the_other_tags_are_still_read()
    {
        var memory = new DeviceMemory();
        for (var i = 0; i < 10; i++)
        {
            memory.SetWord(new DeviceAddress(DeviceTypes.D, i), (ushort)(100 + i));
        }

        await using var server = McServer.Start(memory);
        server.Refuses = d => d == new DeviceAddress(DeviceTypes.D, 6);
        await using var client = await McClient.ConnectAsync("127.0.0.1", server.Port, new McClientOptions(), CancellationToken.None);
        var plan = Plan([.. Enumerable.Range(0, 10).Select(i => Tag($"D{i}"))]);
        Assert.Single(plan.Reads);

        var first = await plan.ReadAsync(client, CancellationToken.None);
        var requestsAfterFirst = server.RequestsServed;
        var second = await plan.ReadAsync(client, CancellationToken.None);

        foreach (var results in new[] { first, second })
        {
            Assert.Equal(10, results.Count);
            var refused = Assert.Single(results, r => r.Status != MelsecValues.Good);
            Assert.Equal("D6", refused.Tag.Device.ToString());
            Assert.Equal((ushort)0xC05B, refused.EndCode);
            Assert.Equal(MelsecValues.BadNotReadable, refused.Status);
            Assert.All(results.Where(r => r.Status == MelsecValues.Good), r => Assert.Equal(100 + r.Tag.Device.Number, r.Value.AsInt64()));
        }

        // The split is kept: the second cycle costs only the requests of the split plan, no new search.
        Assert.Equal(plan.Reads.Count, server.RequestsServed - requestsAfterFirst);
        Assert.Contains(plan.Reads, r => r.Tags.Count == 1 && r.Tags[0].Device.Number == 6);
        Assert.True(plan.Reads.Count <= 5, $"{plan.Reads.Count} requests for 10 tags with one refused");
    }
}
