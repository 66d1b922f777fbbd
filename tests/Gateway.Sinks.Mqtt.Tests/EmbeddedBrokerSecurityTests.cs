using System.Net;
using System.Text;

using Gateway.Core;
using Gateway.Testing;

using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>
/// The embedded broker's network exposure and access control, checked with the real mosquitto_sub / mosquitto_pub
/// and MQTTnet clients against the broker the sink starts on 127.0.0.1 (or ::1).
/// </summary>
public sealed class EmbeddedBrokerSecurityTests
{
    private const string StatusTopic = "factory/plant1/gw1/status";
    private const string RightPassword = "right-password";

    // The fewest iterations the hash format accepts, so that each connect in these tests stays cheap.
    private static readonly string PasswordHash = BrokerPasswordHash.Create(RightPassword, BrokerPasswordHash.MinimumIterations).ToString();

    [Fact]
    public async Task ByDefault_TheBrokerListensOnIPv4LoopbackOnly()
    {
        var port = FreePort.Next();
        await using var sink = await StartAsync(Embedded(port));

        var listening = ListeningSockets.On(port);

        Assert.NotEmpty(listening);
        Assert.All(listening, address => Assert.Equal(IPAddress.Loopback, address));
    }

    [Fact]
    public async Task BindIPv6Loopback_ListensOnThatOnly_AndTheSinkConnectsThere()
    {
        var port = FreePort.Next();
        var options = Embedded(port);
        options.Bind = "::1";
        await using var sink = await StartAsync(options);

        var listening = ListeningSockets.On(port);

        Assert.Equal([IPAddress.IPv6Loopback], listening);
        Assert.Equal("::1", sink.Host);
    }

    [Fact]
    public async Task MosquittoSub_WithItsDefaults_Mqtt311AndNoClientId_IsAccepted()
    {
        var port = FreePort.Next();
        await using var sink = await StartAsync(Embedded(port));

        // No -V (MQTT 3.1.1) and no -i: mosquitto_sub sends an empty client id with clean session.
        var (exit, output) = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic, "-v");

        Assert.True(exit == 0, output);
        Assert.Contains(StatusTopic + " {\"status\":\"online\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyClientId_Mqtt311_IsAcceptedWithCleanSession_AndRefusedWithout()
    {
        var port = FreePort.Next();
        await using var sink = await StartAsync(Embedded(port));

        // 3.2.2.3: CONNACK, remaining length 2, session present 0, return code 0 (accepted).
        Assert.Equal([0x20, 2, 0, 0], await ConnectRawAsync(port, cleanSession: true));

        // [MQTT-3.1.3-8]: refused. MQTTnet's decoder closes the connection rather than answering 0x02 (identifier rejected).
        var refused = await ConnectRawAsync(port, cleanSession: false);
        Assert.True(refused.Length < 4 || refused[3] != 0, Convert.ToHexString(refused));
    }

    [Fact]
    public async Task WithUsers_AnonymousAndWrongPasswordAreRefused_TheRightOneIsServed_AndTheGatewayStillPublishes()
    {
        var port = FreePort.Next();
        var log = new TestLog();
        var options = Embedded(port);
        options.Users = [new EmbeddedBrokerUser { Name = "scada", PasswordHash = PasswordHash }];
        await using var sink = await StartAsync(options, log);

        foreach (var version in new[] { "mqttv311", "mqttv5" })
        {
            var anonymous = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic, "-V", version);
            Assert.True(anonymous.ExitCode != 0 && anonymous.Output.Contains("not authori", StringComparison.OrdinalIgnoreCase), version + ": " + anonymous.Output);

            var wrong = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic, "-V", version, "-u", "scada", "-P", "wrong-password");
            Assert.True(wrong.ExitCode != 0 && wrong.Output.Contains("bad user name or password", StringComparison.OrdinalIgnoreCase), version + ": " + wrong.Output);

            var unknown = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic, "-V", version, "-u", "nobody", "-P", RightPassword);
            Assert.True(unknown.ExitCode != 0 && unknown.Output.Contains("bad user name or password", StringComparison.OrdinalIgnoreCase), version + ": " + unknown.Output);

            var right = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic, "-V", version, "-u", "scada", "-P", RightPassword);
            Assert.True(right.ExitCode == 0 && right.Output.Contains("\"online\"", StringComparison.Ordinal), version + ": " + right.Output);
        }

        // The gateway's own sink connects with its in-process credential and still delivers.
        await using var subscriber = await MqttSubscriber.ConnectAsync(port, "factory/#", configure: o => o.WithCredentials("scada", RightPassword));
        await sink.DeliverAsync(TestSinks.Readings(1, 20, tags: 20), CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("factory/plant1/cnc1/", StringComparison.Ordinal)) >= 20, what: "20 readings");
        Assert.Equal(ConnectionState.Connected, sink.State);
        Assert.Contains(log.Warnings, w => w.Contains("refused", StringComparison.Ordinal) && w.Contains("'scada'", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Text.Contains("wrong-password", StringComparison.Ordinal) || l.Text.Contains(RightPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OtherClients_MaySubscribe_ButNotPublishUnderTheGatewaysTopics()
    {
        var port = FreePort.Next();
        await using var sink = await StartAsync(Embedded(port));
        await using var subscriber = await MqttSubscriber.ConnectAsync(port, "factory/#");
        using var intruder = await ConnectAsync(port, MqttProtocolVersion.V500);

        var fakeStatus = await intruder.PublishAsync(Message(StatusTopic, "{\"status\":\"offline\"}", retain: true));
        var fakeReading = await intruder.PublishAsync(Message("factory/plant1/cnc1/SpindleSpeed", "{\"value\":0}"));
        var elsewhere = await intruder.PublishAsync(Message("lab/notes", "hello"));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, fakeStatus.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, fakeReading.ReasonCode);
        Assert.NotEqual(MqttClientPublishReasonCode.NotAuthorized, elsewhere.ReasonCode);

        // MQTT 3.1.1 has no refusal to hear: mosquitto_pub "succeeds", but the retained status is still the gateway's.
        var (pubExit, pubOutput) = await MosquittoClients.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", StatusTopic, "-r", "-q", "1", "-m", "{\"status\":\"fake\"}");
        Assert.True(pubExit == 0, pubOutput);
        var (subExit, retained) = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic);
        Assert.True(subExit == 0, retained);
        Assert.Contains("\"online\"", retained, StringComparison.Ordinal);

        // The gateway's own publishes still flow, and none of the refused ones reached the subscriber.
        await sink.DeliverAsync(TestSinks.Readings(1, 5, tags: 5), CancellationToken.None);
        var received = await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("factory/plant1/cnc1/Tag", StringComparison.Ordinal)) >= 5, what: "5 readings");
        Assert.DoesNotContain(received, m => m.Payload.Contains("offline", StringComparison.Ordinal) || m.Payload.Contains("fake", StringComparison.Ordinal) || m.Topic.EndsWith("/SpindleSpeed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherClientsLastWill_CannotOverwriteTheRetainedStatus()
    {
        var port = FreePort.Next();
        var log = new TestLog();
        await using var sink = await StartAsync(Embedded(port), log);
        // mosquitto_sub with a retained Will on the status topic, killed so that it never says goodbye (MQTT 3.1.1, 3.1.2.5).
        var info = new System.Diagnostics.ProcessStartInfo(ServerProcess.Which("mosquitto_sub")!) { RedirectStandardOutput = true };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", "intruder", "-t", StatusTopic, "--will-topic", StatusTopic, "--will-payload", "{\"status\":\"offline\"}", "--will-retain", "--will-qos", "1" })
        {
            info.ArgumentList.Add(argument);
        }

        using (var intruder = System.Diagnostics.Process.Start(info)!)
        {
            // Its first line is the retained status: it is connected, with its Will registered.
            var first = await intruder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Contains("\"online\"", first ?? "", StringComparison.Ordinal);
            intruder.Kill();
            await intruder.WaitForExitAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!log.Warnings.Any(w => w.Contains("'intruder'", StringComparison.Ordinal) && w.Contains(StatusTopic, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the broker never refused the Will: " + string.Join(" | ", log.Warnings));
            await Task.Delay(50);
        }

        var (exit, retained) = await MosquittoClients.SubscribeOnceAsync(port, StatusTopic);
        Assert.True(exit == 0, retained);
        Assert.Contains("\"online\"", retained, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserMayPublishUnderTheGatewaysTopics_OnlyWhereItsPublishFiltersAllow()
    {
        var port = FreePort.Next();
        var options = Embedded(port);
        options.Users = [new EmbeddedBrokerUser { Name = "mes", PasswordHash = PasswordHash, Publish = ["factory/plant1/+/Setpoint"] }];
        await using var sink = await StartAsync(options);
        using var mes = await ConnectAsync(port, MqttProtocolVersion.V500, "mes", RightPassword);

        var allowed = await mes.PublishAsync(Message("factory/plant1/cnc1/Setpoint", "1200"));
        var refused = await mes.PublishAsync(Message("factory/plant1/cnc1/SpindleSpeed", "{\"value\":0}"));

        Assert.NotEqual(MqttClientPublishReasonCode.NotAuthorized, allowed.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
    }

    [Fact]
    public async Task AClientWithTheGatewaysClientId_IsRefused_AndTheGatewayStaysConnected()
    {
        var port = FreePort.Next();
        await using var sink = await StartAsync(Embedded(port));
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(sink.ClientId).Build();

        var result = await client.ConnectAsync(options);

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
        Assert.Equal(ConnectionState.Connected, sink.State);
        await using var subscriber = await MqttSubscriber.ConnectAsync(port, "factory/#");
        await sink.DeliverAsync(TestSinks.Readings(1, 3, tags: 3), CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("factory/plant1/cnc1/Tag", StringComparison.Ordinal)) >= 3, what: "3 readings");
    }

    [Fact]
    public async Task BrokerTls_ServesMqttOverTls_ToAClientThatTrustsItsCa_WithUsers()
    {
        var certificates = TestCertificates.Create(RepositoryPaths.NewTempDirectory("broker-tls"));
        var port = FreePort.Next();
        var tlsPort = FreePort.Next();
        var options = Embedded(port);
        options.Users = [new EmbeddedBrokerUser { Name = "scada", PasswordHash = PasswordHash }];
        options.BrokerTls = new EmbeddedBrokerTlsOptions { Port = tlsPort, CertFile = certificates.ServerCertFile, KeyFile = certificates.ServerKeyFile };
        await using var sink = await StartAsync(options);

        Assert.All(ListeningSockets.On(tlsPort), address => Assert.Equal(IPAddress.Loopback, address));
        var right = await MosquittoClients.SubscribeOnceAsync(tlsPort, StatusTopic, "--cafile", certificates.CaFile, "-u", "scada", "-P", RightPassword);
        Assert.True(right.ExitCode == 0 && right.Output.Contains("\"online\"", StringComparison.Ordinal), right.Output);

        var anonymous = await MosquittoClients.SubscribeOnceAsync(tlsPort, StatusTopic, "--cafile", certificates.CaFile);
        Assert.True(anonymous.ExitCode != 0 && anonymous.Output.Contains("not authori", StringComparison.OrdinalIgnoreCase), anonymous.Output);

        // Without TLS the TLS port answers nothing MQTT can read.
        var plain = await MosquittoClients.SubscribeOnceAsync(tlsPort, StatusTopic, "-u", "scada", "-P", RightPassword);
        Assert.NotEqual(0, plain.ExitCode);
    }

    private static MqttSinkOptions Embedded(int port)
    {
        var options = TestSinks.Options(port);
        options.Embedded = true;
        return options;
    }

    private static async Task<MqttSink> StartAsync(MqttSinkOptions options, TestLog? log = null)
    {
        var sink = TestSinks.Create(options, log);
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Connected);
        return sink;
    }

    private static async Task<IMqttClient> ConnectAsync(int port, MqttProtocolVersion version, string? user = null, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(version)
            .WithClientId("test-" + Guid.NewGuid().ToString("N")[..8]);
        if (user is not null)
        {
            options.WithCredentials(user, password);
        }

        await client.ConnectAsync(options.Build());
        return client;
    }

    /// <summary>Sends an MQTT 3.1.1 CONNECT with an empty client id; returns what came back before the broker closed or 4 bytes arrived.</summary>
    private static async Task<byte[]> ConnectRawAsync(int port, bool cleanSession)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();

        // MQTT 3.1.1, 3.1: CONNECT, remaining length 12, "MQTT", level 4, flags (bit 1 = CleanSession), keep-alive 60, client id "".
        byte[] connect = [0x10, 12, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, cleanSession ? (byte)0x02 : (byte)0x00, 0, 60, 0, 0];
        await stream.WriteAsync(connect);
        var reply = new byte[4];
        var read = await stream.ReadAtLeastAsync(reply, reply.Length, throwOnEndOfStream: false).AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        return reply[..read];
    }

    private static MqttApplicationMessage Message(string topic, string payload, bool retain = false) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
}
