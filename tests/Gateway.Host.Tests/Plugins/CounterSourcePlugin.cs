using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

using Gateway.Core;

namespace Gateway.Host.Tests.Plugins;

/// <summary>
/// A source type that exists only in this test project: a "device" whose registers count up. It is everything a new
/// protocol writes (options, group options, address, checks, a connector) and nothing else: the gateway runs it with
/// one registration line, <c>GatewayPlugins.Create().Add(new CounterSourcePlugin())</c>.
/// </summary>
public sealed class CounterSourcePlugin : ISourcePlugin
{
    public string Type => "counter";

    public Type OptionsType => typeof(CounterSourceOptions);

    public Type GroupOptionsType => typeof(CounterGroupOptions);

    public Type AddressType => typeof(CounterTagAddress);

    public string EndpointOf(object options) => $"counter://{((CounterSourceOptions)options).Device}";

    public IEnumerable<OptionProblem> Validate(object options)
    {
        if (options is CounterSourceOptions { Start: < 0 } counter)
        {
            yield return new OptionProblem("start", $"a counter starts at 0 or above, not {counter.Start}");
        }
    }

    public IEnumerable<OptionProblem> ValidateAddress(string tag, object address)
    {
        var register = ((CounterTagAddress)address).Register;
        if (!register.StartsWith('R') || !int.TryParse(register.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            yield return new OptionProblem("register", $"register '{register}' of tag '{tag}' is not R followed by a number, e.g. R12");
        }
    }

    public ISourceConnector Create(string name, object options, IReadOnlyList<SourceTag> tags, SourceContext context) =>
        new CounterSourceConnector(name, (CounterSourceOptions)options, tags, context.TimeProvider);
}

public sealed class CounterSourceOptions
{
    [Required]
    [Description("The counting device's name.")]
    public string Device { get; set; } = "";

    [Description("The first value every register reads.")]
    public long Start { get; set; }

    [Range(1, 1000)]
    [Description("How much a register grows per read.")]
    public int Step { get; set; } = 1;

    [Range(0, 1_000_000)]
    [Description("The connector throws after this many intervals (0: never): a stand-in for a connector bug.")]
    public int CrashAfter { get; set; }
}

public sealed class CounterGroupOptions
{
    [Range(1, 100)]
    [Description("Readings per tag at each interval.")]
    public int Burst { get; set; } = 1;
}

public sealed class CounterTagAddress
{
    [Required]
    [Description("The register, e.g. R12; {machine} and variables are substituted.")]
    public string Register { get; set; } = "";
}

/// <summary>Per tag group, every interval: each tag's next values (start, start + step, ...), Good, timestamped now.</summary>
internal sealed class CounterSourceConnector(string name, CounterSourceOptions options, IReadOnlyList<SourceTag> tags, TimeProvider time) : ISourceConnector
{
    private int _state = (int)ConnectionState.Disconnected;

    public string Name => name;

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    public async Task RunAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _state, (int)ConnectionState.Connected);
        try
        {
            await Task.WhenAll(tags.GroupBy(t => (t.Machine, t.Group)).Select(g => CountAsync(g.ToList(), output, cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _state, (int)ConnectionState.Disconnected);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task CountAsync(List<SourceTag> group, IReadingWriter output, CancellationToken cancellationToken)
    {
        var burst = ((CounterGroupOptions)group[0].GroupOptions).Burst;
        var next = group.ToDictionary(t => t.Tag, _ => options.Start, StringComparer.Ordinal);
        using var timer = new PeriodicTimer(group[0].Interval, time);
        var ticks = 0;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (options.CrashAfter > 0 && ++ticks > options.CrashAfter)
            {
                throw new InvalidOperationException($"counter {name} crashed after {options.CrashAfter} intervals");
            }

            var now = time.GetUtcNow().UtcDateTime;
            var readings = new List<Reading>();
            foreach (var tag in group)
            {
                for (var i = 0; i < burst; i++)
                {
                    readings.Add(new Reading
                    {
                        Source = tag.Source,
                        Machine = tag.Machine,
                        Tag = tag.Tag,
                        Measurement = tag.Measurement,
                        Value = ReadingValue.FromInt64(next[tag.Tag]),
                        Quality = Quality.Good,
                        SourceTimestamp = now,
                        ServerTimestamp = now,
                        GatewayTimestamp = now,
                        Timestamp = now,
                        Labels = tag.Labels,
                    });
                    next[tag.Tag] += options.Step;
                }
            }

            await output.WriteAsync(readings, cancellationToken);
        }
    }
}
