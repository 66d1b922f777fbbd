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
    private readonly Dictionary<OpcUaTag, TagStatus> _byTag = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, TagStatus[]> _byMachine = new(StringComparer.Ordinal);

    public SourceTagHealth(IEnumerable<OpcUaTag> tags)
    {
        foreach (var machine in tags.GroupBy(t => t.Machine, StringComparer.Ordinal))
        {
            var statuses = machine.Select(t => new TagStatus()).ToArray();
            var i = 0;
            foreach (var tag in machine)
            {
                _byTag[tag] = statuses[i++];
            }

            _byMachine[machine.Key] = statuses;
        }
    }

    /// <summary>The status slot of a tag of this source (the instance the plan holds).</summary>
    public TagStatus this[OpcUaTag tag] => _byTag[tag];

    /// <summary>Tags whose latest status is Bad, over all machines.</summary>
    public int BadTags => _byMachine.Values.Sum(m => m.Count(s => s.IsBad));

    /// <summary>The tags of one machine, in configuration order; empty for a machine this source does not read.</summary>
    public MachineTagHealth ForMachine(string machine)
    {
        if (!_byMachine.TryGetValue(machine, out var statuses))
        {
            return new MachineTagHealth(0, 0, null);
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

        return new MachineTagHealth(statuses.Length, bad, first?.ToString());
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
