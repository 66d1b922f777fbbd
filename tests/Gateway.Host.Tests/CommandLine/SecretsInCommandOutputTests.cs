using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>The command line prints through the masking writer: a `${file:}` value never appears in clear.</summary>
public sealed class SecretsInCommandOutputTests : IDisposable
{
    private const string Secret = "plant-7-secret-folder";

    private readonly string _dir = RepositoryPaths.NewTempDirectory("secrets-cli");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_error_that_quotes_a_file_secret_prints_it_masked()
    {
        // A secret used where nobody expects one: as the data directory, which the error below names.
        await File.WriteAllTextAsync(Path.Combine(_dir, "folder.txt"), Secret + "\n");
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, """
            gateway:
              name: cli-secret
              labels: { site: s }
              dataDirectory: ${file:folder.txt}
            sources:
              - name: s1
                endpoint: opc.tcp://127.0.0.1:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - { name: t, nodeId: "i=2258" }
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
            """);

        var (exit, output, error) = await CommandLineRunner.RunAsync("buffer", "stats", "--config", config);

        Assert.NotEqual(0, exit);
        Assert.Contains("the buffer directory", error, StringComparison.Ordinal);
        Assert.Contains($"{Path.DirectorySeparatorChar}***{Path.DirectorySeparatorChar}buffer", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output + error, StringComparison.Ordinal);
    }
}
