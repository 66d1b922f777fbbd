using Microsoft.Extensions.Logging;

namespace Gateway.Configuration.Tests;

/// <summary>ConfigurationDiff and the hot-reload ConfigurationWatcher on real files.</summary>
public sealed class ReloadTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Config(string s1Endpoint = "opc.tcp://10.0.0.5:4840", int pressForceScale = 1, string mqttHost = "10.0.0.100", bool withS3 = false, string level = "Information") => $"""
        gateway:
          name: gw
        logging:
          level: {level}
        templates:
          press:
            groups:
              - name: g
                tags:
                  - name: force
                    nodeId: ns=2;s={"{machine}"}.Force
                    normalize:
                      scale: {pressForceScale}
        sources:
          - name: s1
            endpoint: {s1Endpoint}
            machines:
              - name: m1
                groups:
                  - name: g
                    tags:
                      - name: t
                        nodeId: i=2258
          - name: s2
            endpoint: opc.tcp://10.0.0.6:4840
            machines:
              - name: press-1
                template: press
        {(withS3 ? "  - name: s3\n    endpoint: opc.tcp://10.0.0.7:4840\n    machines:\n      - name: press-3\n        template: press\n" : "")}sinks:
          - type: mqtt
            name: broker
            host: {mqttHost}
          - type: influxdb
            name: influx
            url: http://127.0.0.1:8086
        """;

    private ConfigurationResult LoadText(string text)
    {
        _dir.Write("gateway.yaml", text);
        var result = _dir.Load();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result;
    }

    [Fact]
    public void The_diff_names_exactly_the_sources_and_sinks_that_changed()
    {
        var before = LoadText(Config());
        var after = LoadText(Config(s1Endpoint: "opc.tcp://10.0.0.15:4840", pressForceScale: 10, mqttHost: "10.0.0.101", withS3: true, level: "Debug"));

        var diff = ConfigurationDiff.Between(before, after);

        Assert.Equal(["s3"], diff.Sources.Added);
        Assert.Empty(diff.Sources.Removed);
        Assert.Equal(["s1", "s2"], diff.Sources.Modified); // s2 only through its template
        Assert.Equal(["broker"], diff.Sinks.Modified);
        Assert.Empty(diff.Sinks.Added);
        Assert.Equal(["logging"], diff.ChangedSections);

        var back = ConfigurationDiff.Between(after, LoadText(Config()));
        Assert.Equal(["s3"], back.Sources.Removed);
        Assert.False(ConfigurationDiff.Between(before, LoadText(Config())).HasChanges);
    }

    [Fact]
    public async Task The_watcher_applies_a_valid_change_and_keeps_the_old_configuration_on_an_invalid_one()
    {
        var initial = LoadText(Config());
        var logger = new ListLogger();
        using var watcher = new ConfigurationWatcher(initial, FakeSinkPlugins.Registry(), logger, TimeSpan.FromMilliseconds(200), _dir.Lookup);
        var changed = new TaskCompletionSource<ConfigurationChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rejected = new TaskCompletionSource<ConfigurationRejectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Changed += (_, e) => changed.TrySetResult(e);
        watcher.Rejected += (_, e) => rejected.TrySetResult(e);
        watcher.Start();

        // A valid change: the mqtt host moves.
        _dir.Write("gateway.yaml", Config(mqttHost: "10.0.0.200"));
        var applied = await changed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(["broker"], applied.Diff.Sinks.Modified);
        Assert.Empty(applied.Diff.Sources.Modified);
        Assert.Same(applied.Current, watcher.Current);
        Assert.Equal("10.0.0.200", ((FakeMqttOptions)watcher.Current.Config!.Sinks[0].Options!).Host);

        // An invalid change: refused, logged with its place, the running configuration stays.
        var running = watcher.Current;
        var path = _dir.Write("gateway.yaml", Config(mqttHost: "10.0.0.201").Replace("  name: gw\n", "  name: gw\n  nmae: typo\n", StringComparison.Ordinal));
        var refused = await rejected.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal($"{path}:3:3: unknown key 'nmae' in gateway; did you mean 'name'?", Assert.Single(refused.Rejected.Errors).ToString());
        Assert.Same(running, watcher.Current);
        Assert.Equal("10.0.0.200", ((FakeMqttOptions)watcher.Current.Config!.Sinks[0].Options!).Host);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Error && l.Message.Contains(":3:3: unknown key 'nmae'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_change_in_an_included_file_reloads_too()
    {
        _dir.Write("gateway.yaml", "include: [sinks.yaml]\ngateway:\n  name: gw\n" + ConfigDirectory.OneSource);
        _dir.Write("sinks.yaml", "sinks:\n  - type: mqtt\n    name: a\n");
        var initial = _dir.Load();
        Assert.True(initial.IsValid, string.Join("\n", initial.Errors));
        using var watcher = new ConfigurationWatcher(initial, FakeSinkPlugins.Registry(), new ListLogger(), TimeSpan.FromMilliseconds(200), _dir.Lookup);
        var changed = new TaskCompletionSource<ConfigurationChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Changed += (_, e) => changed.TrySetResult(e);
        watcher.Start();

        _dir.Write("sinks.yaml", "sinks:\n  - type: mqtt\n    name: a\n  - type: mqtt\n    name: b\n    port: 1884\n");

        var applied = await changed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(["b"], applied.Diff.Sinks.Added);
        Assert.Equal(2, watcher.Current.Config!.Sinks.Count);
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return _lines.ToList();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
