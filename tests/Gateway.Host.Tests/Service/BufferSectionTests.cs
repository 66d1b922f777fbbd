using Gateway.Buffer;
using Gateway.Configuration.Model;
using Gateway.Host.Service;

namespace Gateway.Host.Tests.Service;

/// <summary>The YAML <c>buffer</c> section mapped onto the buffer's own options (BufferSection, the one place it happens).</summary>
public sealed class BufferSectionTests
{
    [Fact]
    public void OptionsComeFromTheYamlSection()
    {
        var options = new BufferConfig { MaxSizeMb = 10, MaxAgeHours = 2, CommitIntervalMs = 7, WhenFull = OverflowPolicy.RefuseNew, BatchSize = 300 }
            .ToOptions("/var/lib/gateway");

        Assert.Equal(Path.Combine("/var/lib/gateway", "buffer"), options.Directory);
        Assert.Equal(10L * 1024 * 1024, options.MaxSizeBytes);
        Assert.Equal(TimeSpan.FromHours(2), options.MaxAge);
        Assert.Equal(TimeSpan.FromMilliseconds(7), options.CommitInterval);
        Assert.Equal(BufferOverflowPolicy.RefuseNew, options.WhenFull);
        Assert.Equal(300, options.BatchSize);
    }

    [Fact]
    public void LingerAndRetryComeFromTheYamlSection()
    {
        var options = new BufferConfig
        {
            Directory = "spool",
            BatchLingerMs = 0,
            Retry = new RetryConfig { InitialDelayMs = 250, MaxDelayMs = 4000, BreakerFailureRatio = 0.8, BreakDurationMs = 2000 },
        }.ToOptions("/var/lib/gateway");

        Assert.Equal(Path.Combine("/var/lib/gateway", "spool"), options.Directory);
        Assert.Equal(TimeSpan.Zero, options.BatchLinger);
        Assert.Equal(
            new DeliveryRetryOptions { InitialDelay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(4), BreakerFailureRatio = 0.8, BreakDuration = TimeSpan.FromSeconds(2) },
            options.Retry);
    }

    [Fact]
    public void AnEmptySectionRunsWithTheBuffersOwnDefaults()
    {
        // The YAML model (MiB, hours, ms) and the options (bytes, TimeSpan) both take their defaults from BufferDefaults;
        // this checks that the units convert to the same buffer, so an empty section is the buffer's own default.
        var fromYaml = new BufferConfig().ToOptions("/var/lib/gateway");

        Assert.Equal(new BufferOptions { Directory = Path.Combine("/var/lib/gateway", "buffer") }, fromYaml);
    }

    [Theory]
    [InlineData(OverflowPolicy.DropOldest, BufferOverflowPolicy.DropOldest)]
    [InlineData(OverflowPolicy.RefuseNew, BufferOverflowPolicy.RefuseNew)]
    public void EveryWhenFullPolicyHasItsBufferCounterpart(OverflowPolicy yaml, BufferOverflowPolicy expected)
    {
        Assert.Equal(expected, new BufferConfig { WhenFull = yaml }.ToOptions("/data").WhenFull);
        Assert.Equal(Enum.GetNames<OverflowPolicy>(), Enum.GetNames<BufferOverflowPolicy>());
    }
}
