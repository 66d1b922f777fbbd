using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Authentication and TLS against a real mosquitto: the good path delivers, each bad one fails clearly, once.</summary>
public sealed class ConnectionTests
{
    [Fact]
    public async Task PasswordFile_RightPassword_Delivers()
    {
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            AllowAnonymous = false,
            Users = new Dictionary<string, string> { ["gateway"] = "s3cret!", ["reader"] = "r3ad" },
        });
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/#", configure: o => o.WithCredentials("reader", "r3ad"));
        var options = TestSinks.Options(broker.Port);
        options.Username = "gateway";
        options.Password = "s3cret!";
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);

        Assert.Equal(ConnectionState.Connected, sink.State);
        await sink.DeliverAsync(TestSinks.Readings(1, 20), CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Count(x => !x.Topic.EndsWith("/status", StringComparison.Ordinal)) >= 20, what: "20 readings");
    }

    [Theory]
    [InlineData("5")]
    [InlineData("3.1.1")]
    public async Task PasswordFile_WrongPassword_FailsClearly_StateFaulted_OneLogLine(string protocolVersion)
    {
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            AllowAnonymous = false,
            Users = new Dictionary<string, string> { ["gateway"] = "s3cret!" },
        });
        var log = new TestLog();
        var options = TestSinks.Options(broker.Port);
        options.ProtocolVersion = protocolVersion;
        options.Username = "gateway";
        options.Password = "wrong";
        await using var sink = TestSinks.Create(options, log);
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Faulted);

        var error = await Assert.ThrowsAsync<MqttSinkException>(() => sink.DeliverAsync(TestSinks.Readings(1, 5), CancellationToken.None));
        Assert.Contains("refused the connection", error.Message, StringComparison.Ordinal);
        Assert.Contains("password", error.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionState.Faulted, sink.State);
        Assert.Contains("password", sink.Problem, StringComparison.Ordinal);

        // Several retries happen in 3 s (200 ms .. 1 s backoff); the operator reads one line.
        await Task.Delay(3000);
        var lines = log.Warnings.Where(w => w.Contains("cannot connect", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        // mosquitto answers "not authorized" (MQTT 5 reason 0x87, 3.1.1 return code 5) to a wrong password.
        Assert.Contains("NotAuthorized", lines[0], StringComparison.Ordinal);
        Assert.Contains("check `username` and `password`", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_WithCaAndClientCertificate_Delivers()
    {
        var directory = RepositoryPaths.NewTempDirectory("mqtt-tls");
        var certificates = TestCertificates.Create(directory);
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            CaFile = certificates.CaFile,
            CertFile = certificates.ServerCertFile,
            KeyFile = certificates.ServerKeyFile,
            RequireCertificate = true,
        });
        var options = TlsOptions(broker.Port, certificates);
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        Assert.True(sink.State == ConnectionState.Connected, sink.Problem + "\n" + broker.Output);

        // mosquitto_sub over the same TLS listener confirms what arrived.
        var receivedTask = MosquittoSubscribeOnceAsync(broker.Port, certificates, "factory/plant1/cnc1/Tag3");
        // mosquitto_sub may take a while to start and subscribe on a busy machine: deliver again until it has a message.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            await sink.DeliverAsync(TestSinks.Readings(1, 10), CancellationToken.None);
        }
        while (await Task.WhenAny(receivedTask, Task.Delay(500)) != receivedTask && DateTime.UtcNow < deadline);

        var received = await receivedTask.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains("\"seq\":4", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_WithoutClientCertificate_IsRefused_AndSaysSo()
    {
        var certificates = TestCertificates.Create(RepositoryPaths.NewTempDirectory("mqtt-tls"));
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            CaFile = certificates.CaFile,
            CertFile = certificates.ServerCertFile,
            KeyFile = certificates.ServerKeyFile,
            RequireCertificate = true,
        });
        var options = TlsOptions(broker.Port, certificates);
        options.CertFile = null;
        options.KeyFile = null;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Faulted);
        await Assert.ThrowsAsync<MqttSinkException>(() => sink.DeliverAsync(TestSinks.Readings(1, 1), CancellationToken.None));
        Assert.NotNull(sink.Problem);
    }

    [Theory]
    [InlineData("wrong-name", "does not name 'wrong.example'")]
    [InlineData("other-ca", "not signed by the CA")]
    public async Task Tls_UntrustedBroker_IsRefused_WithTheReason(string fault, string expected)
    {
        var certificates = TestCertificates.Create(RepositoryPaths.NewTempDirectory("mqtt-tls"));
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            CaFile = certificates.CaFile,
            CertFile = certificates.ServerCertFile,
            KeyFile = certificates.ServerKeyFile,
        });
        var log = new TestLog();
        var options = TlsOptions(broker.Port, certificates);
        if (fault == "wrong-name")
        {
            options.ServerName = "wrong.example";
        }
        else
        {
            options.CaFile = certificates.OtherCaFile;
        }

        await using var sink = TestSinks.Create(options, log);
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Faulted);
        var error = await Assert.ThrowsAsync<MqttSinkException>(() => sink.DeliverAsync(TestSinks.Readings(1, 1), CancellationToken.None));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(log.Warnings, w => w.Contains("TLS: ", StringComparison.Ordinal) && w.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tls_NameCheckOff_AcceptsAnotherName()
    {
        var certificates = TestCertificates.Create(RepositoryPaths.NewTempDirectory("mqtt-tls"));
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            CaFile = certificates.CaFile,
            CertFile = certificates.ServerCertFile,
            KeyFile = certificates.ServerKeyFile,
        });
        var options = TlsOptions(broker.Port, certificates);
        options.ServerName = "wrong.example";
        options.CheckServerName = false;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        Assert.True(sink.State == ConnectionState.Connected, sink.Problem);
        await sink.DeliverAsync(TestSinks.Readings(1, 3), CancellationToken.None);
    }

    private static MqttSinkOptions TlsOptions(int port, TestCertificates certificates)
    {
        var options = TestSinks.Options(port);
        options.Tls = true;
        options.CaFile = certificates.CaFile;
        options.CertFile = certificates.ClientCertFile;
        options.KeyFile = certificates.ClientKeyFile;
        return options;
    }

    private static async Task<string> MosquittoSubscribeOnceAsync(int port, TestCertificates certificates, string topic)
    {
        var info = new System.Diagnostics.ProcessStartInfo(ServerProcess.Which("mosquitto_sub")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-C", "1", "-W", "20",
            "--cafile", certificates.CaFile, "--cert", certificates.ClientCertFile, "--key", certificates.ClientKeyFile,
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output + error;
    }
}
