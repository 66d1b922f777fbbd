using Gateway.Core;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The latest OPC UA status of every tag of a source: what a read or notification returned, BadNotConnected after a
/// lost connection, or why the server refused the tag. It is what tells "connected, but every tag is Bad" from healthy.
/// The statuses are two numbers per tag in one array, at the slot the tag was given (a machine's tags side by side):
/// 16 bytes a tag, where an object and a table entry per tag took about 80.
/// </summary>
public sealed class SourceTagHealth
{
    // Replaced whole (never changed in place) when discovery changes the tag list, so readers need no lock.
    private volatile Slots _slots = new([], [], new Dictionary<string, (int, int)>(StringComparer.Ordinal));
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _discovery = new(StringComparer.Ordinal);

    /// <param name="Tags">The tag at each slot.</param>
    /// <param name="Codes">Two per slot: the latest status code, and the Bad one last reported (<see cref="TagStatus.NotYet"/> when none).</param>
    /// <param name="ByMachine">Each machine's slots: the first and how many.</param>
    private sealed record Slots(OpcUaTag[] Tags, long[] Codes, Dictionary<string, (int First, int Count)> ByMachine);

    public SourceTagHealth(IEnumerable<OpcUaTag> tags) => Track(tags);

    /// <summary>
    /// The tags to keep a status for from now on (after a discovery); a tag kept from before keeps its status, a new
    /// one has none yet, a gone one is forgotten.
    /// </summary>
    public void Track(IEnumerable<OpcUaTag> tags)
    {
        var previous = _slots;
        var kept = new List<OpcUaTag>();
        var byMachine = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var before = new List<int>();
        foreach (var machine in tags.GroupBy(t => t.Machine, StringComparer.Ordinal))
        {
            var first = kept.Count;
            foreach (var tag in machine)
            {
                var slot = tag.HealthSlot;
                if (slot >= first && slot < kept.Count && ReferenceEquals(kept[slot], tag))
                {
                    continue; // listed twice
                }

                before.Add(slot >= 0 && slot < previous.Tags.Length && ReferenceEquals(previous.Tags[slot], tag) ? slot : -1);
                tag.HealthSlot = kept.Count;
                kept.Add(tag);
            }

            byMachine[machine.Key] = (first, kept.Count - first);
        }

        var codes = new long[kept.Count * 2];
        for (var i = 0; i < kept.Count; i++)
        {
            var old = before[i];
            codes[2 * i] = old < 0 ? TagStatus.NotYet : Interlocked.Read(ref previous.Codes[2 * old]);
            codes[(2 * i) + 1] = old < 0 ? TagStatus.NotYet : Interlocked.Read(ref previous.Codes[(2 * old) + 1]);
        }

        _slots = new Slots([.. kept], codes, byMachine);
    }

    /// <summary>What `gateway status` says of a machine's discovered tags (the last change found).</summary>
    public void SetDiscovery(string machine, string note) => _discovery[machine] = note;

    /// <summary>The status slot of a tag of this source (the instance the plan holds); a tag not tracked gets a slot of its own.</summary>
    public TagStatus this[OpcUaTag tag]
    {
        get
        {
            var slots = _slots;
            var slot = tag.HealthSlot;
            if (slot < 0 || slot >= slots.Tags.Length || !ReferenceEquals(slots.Tags[slot], tag))
            {
                // The tag is tracked by another table too (tests), or was read just while a discovery replaced the table.
                slot = Array.FindIndex(slots.Tags, t => ReferenceEquals(t, tag));
            }

            return slot < 0 ? TagStatus.Detached() : new TagStatus(slots.Codes, slot);
        }
    }

    /// <summary>Tags whose latest status is Bad, over all machines.</summary>
    public int BadTags
    {
        get
        {
            var codes = _slots.Codes;
            var bad = 0;
            for (var i = 0; i < codes.Length; i += 2)
            {
                bad += TagStatus.IsBadCode(Interlocked.Read(ref codes[i])) ? 1 : 0;
            }

            return bad;
        }
    }

    /// <summary>The tags of one machine, in configuration order; empty for a machine this source does not read.</summary>
    public MachineTagHealth ForMachine(string machine)
    {
        var discovery = _discovery.GetValueOrDefault(machine);
        var slots = _slots;
        if (!slots.ByMachine.TryGetValue(machine, out var range))
        {
            return new MachineTagHealth(0, 0, null, discovery);
        }

        var bad = 0;
        StatusCode? first = null;
        for (var slot = range.First; slot < range.First + range.Count; slot++)
        {
            var code = Interlocked.Read(ref slots.Codes[2 * slot]);
            if (TagStatus.IsBadCode(code))
            {
                bad++;
                first ??= new StatusCode((uint)code);
            }
        }

        return new MachineTagHealth(range.Count, bad, first?.ToString(), discovery);
    }
}

/// <summary>
/// One tag's latest status, at its slot of <see cref="SourceTagHealth"/>; written by the loop that reads the tag, read
/// by /status and the metrics.
/// </summary>
public readonly struct TagStatus
{
    internal const long NotYet = -1;
    private readonly long[] _codes;
    private readonly int _latest;

    internal TagStatus(long[] codes, int slot)
    {
        _codes = codes;
        _latest = 2 * slot;
    }

    /// <summary>A status of its own, for a tag no table tracks.</summary>
    internal static TagStatus Detached() => new([NotYet, NotYet], 0);

    internal static bool IsBadCode(long code) => code != NotYet && (code & 0x80000000) != 0;

    /// <summary>Null until the tag was first read (or refused).</summary>
    public StatusCode? Latest => Interlocked.Read(ref _codes[_latest]) is var code and not NotYet ? new StatusCode((uint)code) : null;

    public bool IsBad => Latest is { IsBad: true };

    public void Record(uint code) => Interlocked.Exchange(ref _codes[_latest], code);

    /// <summary>
    /// Records the status; true when it is Bad and this Bad status was not reported for the tag before, so the caller
    /// names the tag in the log once, not at every poll.
    /// </summary>
    public bool RecordAndCheckNewBad(uint code)
    {
        Record(code);
        if ((code & 0x80000000) == 0 || Interlocked.Read(ref _codes[_latest + 1]) == code)
        {
            return false;
        }

        Interlocked.Exchange(ref _codes[_latest + 1], code);
        return true;
    }
}
