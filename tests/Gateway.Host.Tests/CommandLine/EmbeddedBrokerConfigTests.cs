using System.Text;

using Gateway.Host.CommandLine;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>The embedded broker's settings through `gateway validate`, and `gateway mqtt-password` that makes its hashes.</summary>
public sealed class EmbeddedBrokerConfigTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("broker-config");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_bind_other_machines_can_reach_without_users_or_allowAnonymous_is_an_error_at_its_line()
    {
        var path = await WriteConfigAsync("""
                bind: 0.0.0.0
            """);

        var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", path);

        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith(path + ":19:11: sinks[0] (mqtt).bind:", StringComparison.Ordinal));
        Assert.Contains("add `users`", line, StringComparison.Ordinal);
        Assert.Contains("allowAnonymous: true", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bind_other_machines_can_reach_is_valid_with_allowAnonymous()
    {
        var path = await WriteConfigAsync("""
                bind: 0.0.0.0
                allowAnonymous: true
            """);

        var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", path);

        Assert.True(exit == ExitCodes.Ok, output);
    }

    [Fact]
    public async Task A_malformed_password_hash_is_an_error_at_its_own_line_and_is_not_echoed()
    {
        var path = await WriteConfigAsync("""
                bind: 0.0.0.0
                users:
                  - name: scada
                    passwordHash: hunter2
            """);

        var (exit, output, _) = await CommandLineRunner.RunAsync("validate", "--config", path);

        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        Assert.Contains(path + ":22:23: sinks[0] (mqtt).users[0].passwordHash: not a password hash", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
        Assert.DoesNotContain(".bind:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mqtt_password_prints_a_hash_of_the_files_first_line_that_validate_accepts_through_a_file_reference()
    {
        var passwordFile = Path.Combine(_dir, "password.txt");
        await File.WriteAllTextAsync(passwordFile, "correct horse\n");

        var (exit, output, error) = await CommandLineRunner.RunAsync("mqtt-password", "--password-file", passwordFile);

        Assert.True(exit == ExitCodes.Ok, error);
        var text = output.Trim();
        Assert.StartsWith("$pbkdf2-sha256$i=600000$", text, StringComparison.Ordinal);
        Assert.True(BrokerPasswordHash.TryParse(text, out var hash, out var problem), problem);
        Assert.True(hash.Verify(Encoding.UTF8.GetBytes("correct horse")));

        await File.WriteAllTextAsync(Path.Combine(_dir, "scada.hash"), text + "\n");
        var path = await WriteConfigAsync("""
                bind: 0.0.0.0
                users:
                  - name: scada
                    passwordHash: ${file:scada.hash}
            """);
        var (validateExit, validateOutput, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
        Assert.True(validateExit == ExitCodes.Ok, validateOutput);
    }

    [Fact]
    public async Task Mqtt_password_with_an_empty_file_says_so_and_exits_64()
    {
        var passwordFile = Path.Combine(_dir, "empty.txt");
        await File.WriteAllTextAsync(passwordFile, "");

        var (exit, _, error) = await CommandLineRunner.RunAsync("mqtt-password", "--password-file", passwordFile);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("no password", error, StringComparison.Ordinal);
    }

    /// <summary>A valid gateway with one embedded MQTT sink (its keys from line 16 on) plus <paramref name="sinkKeys"/> from line 19.</summary>
    private async Task<string> WriteConfigAsync(string sinkKeys)
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, $"""
            gateway:
              name: edge-01
              labels:
                site: plant1
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
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
            {sinkKeys}

            """);
        return path;
    }
}
