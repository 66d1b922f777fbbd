using Gateway.Core;
using Gateway.Melsec;
using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;

namespace Gateway.Connectors.Melsec;

/// <summary>One request of a plan and the tags it serves.</summary>
public abstract record PlannedRead(IReadOnlyList<MelsecTag> Tags)
{
    /// <summary>The same tags, split in two requests (to find the address the CPU refuses).</summary>
    public abstract IReadOnlyList<PlannedRead> Split();
}

/// <summary>Batch read (0401) of <paramref name="Points"/> words from <paramref name="Head"/>.</summary>
public sealed record BatchWordRead(DeviceAddress Head, int Points, IReadOnlyList<MelsecTag> Tags) : PlannedRead(Tags)
{
    public override IReadOnlyList<PlannedRead> Split() =>
        [.. ReadPlan.Halves(Tags).Select(half => ReadPlan.WordBlock(half))];
}

/// <summary>Batch read (0401) of <paramref name="Points"/> bits from <paramref name="Head"/>.</summary>
public sealed record BatchBitRead(DeviceAddress Head, int Points, IReadOnlyList<MelsecTag> Tags) : PlannedRead(Tags)
{
    public override IReadOnlyList<PlannedRead> Split() =>
        [.. ReadPlan.Halves(Tags).Select(half => ReadPlan.BitBlock(half))];
}

/// <summary>Random read (0403) of one- and two-word tags scattered over the device memory.</summary>
public sealed record RandomRead(IReadOnlyList<MelsecTag> Tags) : PlannedRead(Tags)
{
    public override IReadOnlyList<PlannedRead> Split() =>
        [.. ReadPlan.Halves(Tags).Select(PlannedRead (half) => half.Count == 1 ? ReadPlan.WordBlock(half) : new RandomRead(half))];
}

/// <summary>What one tag read gave: its value and status, and the end code when the CPU refused its request.</summary>
public readonly record struct TagResult(MelsecTag Tag, ReadingValue Value, uint Status, ushort? EndCode);

/// <summary>
/// How one tag group is read: its tags coalesced into as few requests as the protocol allows. Word tags of one device
/// that lie within <c>maxGapWords</c> of each other share a batch read of at most 960 words (1E: 256), bit tags a batch
/// read of at most 7168 bits (1E: 256); one- and two-word tags left alone in their request go together into random
/// reads of up to 192 points. A request the CPU refuses for an address (C056h, C05Bh, ...) is split in two, again and
/// again, until the refused tag is alone: the others are read, and the plan keeps the split for the next cycles. A random
/// read answered with C059h (not supported) falls back to batch reads.
/// </summary>
public sealed class ReadPlan
{
    private readonly List<PlannedRead> _reads;

    private ReadPlan(List<PlannedRead> reads) => _reads = reads;

    public IReadOnlyList<PlannedRead> Reads => _reads;

    public static ReadPlan For(IReadOnlyList<MelsecTag> tags, int maxWords, int maxBits, int maxGapWords, int maxRandomPoints)
    {
        var reads = new List<PlannedRead>();
        reads.AddRange(Blocks(tags.Where(t => !t.IsBit), maxWords, maxGapWords, bits: false));
        reads.AddRange(Blocks(tags.Where(t => t.IsBit), maxBits, maxGapWords * 16, bits: true));
        if (maxRandomPoints > 0)
        {
            // A lone tag of one or two words costs a request of its own; many of them share random reads.
            var lone = reads.OfType<BatchWordRead>().Where(r => r.Tags.Count == 1 && r.Tags[0].Words <= 2).ToList();
            if (lone.Count >= 2)
            {
                reads.RemoveAll(r => lone.Contains(r));
                reads.AddRange(lone.SelectMany(r => r.Tags).Chunk(maxRandomPoints).Select(chunk => new RandomRead(chunk)));
            }
        }

        return new ReadPlan(reads);
    }

    private static IEnumerable<PlannedRead> Blocks(IEnumerable<MelsecTag> tags, int max, int maxGap, bool bits)
    {
        foreach (var device in tags.GroupBy(t => t.Device.Device))
        {
            var block = new List<MelsecTag>();
            var start = 0;
            var end = 0;
            foreach (var tag in device.OrderBy(t => t.Device.Number))
            {
                var tagEnd = tag.Device.Number + Math.Max(1, tag.Words);
                if (block.Count > 0 && (tag.Device.Number - end > maxGap || Math.Max(end, tagEnd) - start > max))
                {
                    yield return bits ? BitBlock(block) : WordBlock(block);
                    block = [];
                }

                if (block.Count == 0)
                {
                    start = tag.Device.Number;
                    end = tagEnd;
                }

                block.Add(tag);
                end = Math.Max(end, tagEnd);
            }

            if (block.Count > 0)
            {
                yield return bits ? BitBlock(block) : WordBlock(block);
            }
        }
    }

    internal static BatchWordRead WordBlock(IReadOnlyList<MelsecTag> tags)
    {
        var start = tags.Min(t => t.Device.Number);
        var end = tags.Max(t => t.Device.Number + t.Words);
        return new BatchWordRead(tags[0].Device with { Number = start }, end - start, tags);
    }

    internal static BatchBitRead BitBlock(IReadOnlyList<MelsecTag> tags)
    {
        var start = tags.Min(t => t.Device.Number);
        var end = tags.Max(t => t.Device.Number + 1);
        return new BatchBitRead(tags[0].Device with { Number = start }, end - start, tags);
    }

    internal static IEnumerable<IReadOnlyList<MelsecTag>> Halves(IReadOnlyList<MelsecTag> tags)
    {
        var ordered = tags.OrderBy(t => t.Device.Device.Name, StringComparer.Ordinal).ThenBy(t => t.Device.Number).ToList();
        var half = ordered.Count / 2;
        yield return ordered[..half];
        yield return ordered[half..];
    }

    /// <summary>
    /// Reads every tag once. An end code refuses the tags of its request (split first when it names an address and the
    /// request has more than one tag); a lost connection, a timeout or a malformed frame throws (the session ends).
    /// </summary>
    public async Task<List<TagResult>> ReadAsync(McClient client, CancellationToken cancellationToken)
    {
        var results = new List<TagResult>();
        for (var i = 0; i < _reads.Count; i++)
        {
            try
            {
                await ReadOneAsync(client, _reads[i], results, cancellationToken);
            }
            catch (McEndCodeException e) when (e.EndCode == EndCodes.CommandNotSupported && _reads[i] is RandomRead random)
            {
                // A module without random read (some Ethernet modules): its tags go back to batch reads, for good.
                _reads.RemoveAt(i);
                _reads.InsertRange(i, random.Tags.Select(t => WordBlock([t])));
                i--;
            }
            catch (McEndCodeException e) when (e.IsAddressError && _reads[i].Tags.Count > 1)
            {
                // Split and read the halves now (i stays on the first half), so no tag misses this cycle.
                var halves = _reads[i].Split();
                _reads.RemoveAt(i);
                _reads.InsertRange(i, halves);
                i--;
            }
            catch (McEndCodeException e)
            {
                var status = e.IsAddressError ? (e.EndCode is EndCodes.DeviceCannotBeAccessed ? MelsecValues.BadNotReadable : MelsecValues.BadOutOfRange) : MelsecValues.BadDeviceFailure;
                results.AddRange(_reads[i].Tags.Select(t => new TagResult(t, ReadingValue.Null, status, e.EndCode)));
            }
        }

        return results;
    }

    private static async Task ReadOneAsync(McClient client, PlannedRead read, List<TagResult> results, CancellationToken cancellationToken)
    {
        switch (read)
        {
            case BatchWordRead words:
                var values = await client.ReadWordsAsync(words.Head, words.Points, cancellationToken);
                foreach (var tag in words.Tags)
                {
                    var (value, status) = MelsecValues.Decode(tag.Type, values.AsSpan(tag.Device.Number - words.Head.Number, tag.Words));
                    results.Add(new TagResult(tag, value, status, null));
                }

                break;
            case BatchBitRead bits:
                var points = await client.ReadBitsAsync(bits.Head, bits.Points, cancellationToken);
                foreach (var tag in bits.Tags)
                {
                    results.Add(new TagResult(tag, ReadingValue.FromBoolean(points[tag.Device.Number - bits.Head.Number]), MelsecValues.Good, null));
                }

                break;
            case RandomRead random:
                var single = random.Tags.Where(t => t.Words == 1).ToList();
                var doubles = random.Tags.Where(t => t.Words == 2).ToList();
                var (w, d) = await client.RandomReadAsync([.. single.Select(t => t.Device)], [.. doubles.Select(t => t.Device)], cancellationToken);
                var pair = new ushort[2];
                for (var i = 0; i < single.Count; i++)
                {
                    var (value, status) = MelsecValues.Decode(single[i].Type, w.AsSpan(i, 1));
                    results.Add(new TagResult(single[i], value, status, null));
                }

                for (var i = 0; i < doubles.Count; i++)
                {
                    pair[0] = (ushort)d[i];
                    pair[1] = (ushort)(d[i] >> 16);
                    var (value, status) = MelsecValues.Decode(doubles[i].Type, pair);
                    results.Add(new TagResult(doubles[i], value, status, null));
                }

                break;
        }
    }
}
