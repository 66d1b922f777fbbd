using Gateway.Core;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The latest OPC UA status of every tag of a source: what a read or notification returned, BadNotConnected after a
/// lost connection, or why the server refused the tag. It is what tells "connected, but every tag is Bad" from healthy.
/// </summary>
public sealed class SourceTagHealth
{
    // Replaced whole (never changed in place) when discovery changes the tag list, so readers need no lock.
    private volatile Dictionary<OpcUaTag, TagStatus> _byTag = new(ReferenceEqualityComparer.Instance);
    private volatile Dictionary<string, TagStatus[]> _byMachine = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _discovery = new(StringComparer.Ordinal);

    public SourceTagHealth(IEnumerable<OpcUaTag> tags) => Track(tags);

    /// <summary>
    /// The tags to keep a status for from now on (after a discovery); a tag kept from before keeps its status, a new
    /// one has none yet, a gone one is forgotten.
    /// </summary>
    public void Track(IEnumerable<OpcUaTag> tags)
    {
        var previous = _byTag;
        var byTag = new Dictionary<OpcUaTag, TagStatus>(ReferenceEqualityComparer.Instance);
        var byMachine = new Dictionary<string, TagStatus[]>(StringComparer.Ordinal);
        foreach (var machine in tags.GroupBy(t => t.Machine, StringComparer.Ordinal))
        {
            var statuses = new List<TagStatus>();
            foreach (var tag in machine)
            {
                if (!byTag.ContainsKey(tag))
                {
                    var status = previous.GetValueOrDefault(tag) ?? new TagStatus();
                    byTag[tag] = status;
                    statuses.Add(status);
                }
            }

            byMachine[machine.Key] = [.. statuses];
        }

        _byTag = byTag;
        _byMachine = byMachine;
    }

    /// <summary>What `gateway status` says of a machine's discovered tags (the last change found).</summary>
    public void SetDiscovery(string machine, string note) => _discovery[machine] = note;

    /// <summary>The status slot of a tag of this source (the instance the plan holds); a tag not tracked gets a slot of its own.</summary>
    public TagStatus this[OpcUaTag tag] => _byTag.GetValueOrDefault(tag) ?? new TagStatus();

    /// <summary>Tags whose latest status is Bad, over all machines.</summary>
    public int BadTags => _byMachine.Values.Sum(m => m.Count(s => s.IsBad));

    /// <summary>The tags of one machine, in configuration order; empty for a machine this source does not read.</summary>
    public MachineTagHealth ForMachine(string machine)
    {
        var discovery = _discovery.GetValueOrDefault(machine);
        if (!_byMachine.TryGetValue(machine, out var statuses))
        {
            return new MachineTagHealth(0, 0, null, discovery);
        }

        var bad = 0;
        StatusCode? first = null;
        foreach (var status in statuses)
        {
            if (status.Latest is { IsBad: true } code)
            {
                bad++;
                first ??= code;
            }
        }

        return new MachineTagHealth(statuses.Length, bad, first?.ToString(), discovery);
    }
}

/// <summary>One tag's latest status; written by the loop that reads the tag, read by /status and the metrics.</summary>
public sealed class TagStatus
{
    private const long NotYet = -1;
    private long _latest = NotYet;
    private long _reportedBad = NotYet;

    /// <summary>Null until the tag was first read (or refused).</summary>
    public StatusCode? Latest => Interlocked.Read(ref _latest) is var code and not NotYet ? new StatusCode((uint)code) : null;

    public bool IsBad => Latest is { IsBad: true };

    public void Record(uint code) => Interlocked.Exchange(ref _latest, code);

    /// <summary>
    /// Records the status; true when it is Bad and this Bad status was not reported for the tag before, so the caller
    /// names the tag in the log once, not at every poll.
    /// </summary>
    public bool RecordAndCheckNewBad(uint code)
    {
        Record(code);
        if ((code & 0x80000000) == 0 || Interlocked.Read(ref _reportedBad) == code)
        {
            return false;
        }

        Interlocked.Exchange(ref _reportedBad, code);
        return true;
    }
}
