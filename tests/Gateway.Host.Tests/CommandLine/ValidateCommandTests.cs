using Gateway.Host.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("validate");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_misspelled_key_on_line_7_is_reported_with_its_place_and_a_suggestion_and_exit_1()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, """
            gateway:
              name: edge-01
            sources:
              - name: cnc-01
                endpoint: opc.tcp://127.0.0.1:4840
                machines:
                  - nmae: cnc-01
                    groups:
                      - name: fast
                        tags:
                          - name: speed
                            nodeId: ns=2;s=Speed
            """);

        var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", path);

        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith(path + ":7:", StringComparison.Ordinal) && l.Contains("unknown key", StringComparison.Ordinal));
        Assert.Contains("nmae", line, StringComparison.Ordinal);
        Assert.Contains("name", line[(line.IndexOf("nmae", StringComparison.Ordinal) + 4)..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_file_prints_a_summary_and_exits_0()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, """
            gateway:
              name: edge-01
            sources:
              - name: cnc-01
                endpoint: opc.tcp://127.0.0.1:4840
                machines:
                  - name: cnc-01
                    groups:
                      - name: fast
                        tags:
                          - name: speed
                            nodeId: ns=2;s=Speed
                          - name: load
                            nodeId: ns=2;s=Load
            sinks:
              - type: influxdb
                name: influx
                url: http://127.0.0.1:8086
                api: v1
                database: factory
            """);

        var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", path);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("1 source", output, StringComparison.Ordinal);
        Assert.Contains("2 tags", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_shipped_configuration_file_is_valid()
    {
        // Top-level files only: the folders beside them hold files that those include.
        var files = Directory.GetFiles(RepositoryPaths.Combine("config"), "*.yaml")
            .Concat(Directory.GetFiles(RepositoryPaths.Combine("config", "examples"), "*.yaml"))
            .ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", file);
            Assert.True(exit == ExitCodes.Ok, $"{file}:\n{output}");
        }
    }
}
