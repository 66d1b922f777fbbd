using System.Text.Json;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway buffer dead-letters`: the files the sinks write (through the one writer every sink uses), listed per sink.</summary>
public sealed class DeadLettersCommandTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("dead-letters-cli");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> WriteConfigAsync()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, """
            gateway:
              name: gw
              labels: {site: plant}
              dataDirectory: data
            sources:
              - name: s1
                endpoint: opc.tcp://127.0.0.1:1
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: state
                            nodeId: ns=2;s=State
            sinks:
              - type: mqtt
                name: broker
            """);
        return path;
    }

    private static Reading Reading(string tag, long sequence) => new()
    {
        Source = "s1",
        Machine = "m1",
        Tag = tag,
        Value = ReadingValue.FromInt64(sequence),
        Timestamp = new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc),
        Sequence = sequence,
    };

    [Fact]
    public async Task Lists_each_sinks_dead_letters_with_count_newest_time_and_reason_and_prints_the_lines_on_request()
    {
        var config = await WriteConfigAsync();
        var data = Path.Combine(_dir, "data");
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        var historian = new DeadLetterFile(data, "historian", clock);
        await historian.AppendAsync([new DeadLetter(Reading("speed", 1), "field type conflict", "400", "cnc speed=1i")], CancellationToken.None);
        clock.Now = clock.Now.AddMinutes(5);
        await historian.AppendAsync([new DeadLetter(Reading("speed", 2), "unable to parse", "400"), new DeadLetter(Reading("load", 3), "unable to parse", "400")], CancellationToken.None);
        await new DeadLetterFile(data, "broker", clock).AppendAsync([new DeadLetter(Reading("state", 4), "NotAuthorized", "NotAuthorized", "factory/plant/m1/state")], CancellationToken.None);

        var (exit, output, error) = await CommandLineRunner.RunAsync("buffer", "dead-letters", "--config", config);

        Assert.True(exit == ExitCodes.Ok, error);
        var rows = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains(Path.Combine(data, "dead-letters"), rows[0], StringComparison.Ordinal);
        var historianRow = Assert.Single(rows, r => r.StartsWith("historian ", StringComparison.Ordinal));
        Assert.Matches(@"^historian\s+3\s+\S+\s+unable to parse$", historianRow);
        Assert.Contains(Gateway.Host.Logging.LocalTimestamp.Format(clock.Now), historianRow, StringComparison.Ordinal);
        Assert.Matches(@"^broker\s+1\s+\S+\s+NotAuthorized$", Assert.Single(rows, r => r.StartsWith("broker ", StringComparison.Ordinal)));

        (exit, output, error) = await CommandLineRunner.RunAsync("buffer", "dead-letters", "--config", config, "--sink", "historian", "--lines");

        Assert.True(exit == ExitCodes.Ok, error);
        var letters = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1L, 2L, 3L], letters.Select(l => l.GetProperty("reading").GetProperty("sequence").GetInt64()));
        Assert.All(letters, l => Assert.Equal("historian", l.GetProperty("sink").GetString()));
        Assert.Equal("cnc speed=1i", letters[0].GetProperty("sent").GetString());
    }

    [Fact]
    public async Task Says_where_it_looked_when_there_are_none()
    {
        var config = await WriteConfigAsync();

        var (exit, output, _) = await CommandLineRunner.RunAsync("buffer", "dead-letters", "--config", config);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal($"no dead letters in {Path.Combine(_dir, "data", "dead-letters")}", output.Trim());
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
