using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Topic templates, level-safe substitution, and the validation that catches collisions before the gateway runs.</summary>
public sealed class TopicTests
{
    private static readonly GatewayIdentity Gateway = new("gw1", TestSinks.GatewayLabels);

    [Fact]
    public void Template_FillsBuiltInsAndLabels()
    {
        var template = TopicTemplate.Parse("plants/{site}/{line}/{source}/{measurement}/{machine}/{tag}@{gateway}");
        var labels = LabelSet.From([new("site", "plant1"), new("line", "L2")]);
        var topic = template.Render(new TopicValues("gw1", "opc1", "cnc7", "Spindle.Speed", "cnc", labels));
        Assert.Equal("plants/plant1/L2/opc1/cnc/cnc7/Spindle.Speed@gw1", topic);
    }

    [Theory]
    [InlineData("a/b", "a_b")]
    [InlineData("x+y", "x_y")]
    [InlineData("#1", "_1")]
    [InlineData("nul\0here", "nul_here")]
    [InlineData("", "_")]
    [InlineData("공장 1", "공장 1")]
    public void Template_ReplacesWhatMqttForbidsInALevel(string labelValue, string expectedLevel)
    {
        var template = TopicTemplate.Parse("factory/{site}/{machine}");
        var topic = template.Render(new TopicValues("gw1", "s", "m1", "t", "s", LabelSet.From([new("site", labelValue)])));
        Assert.Equal($"factory/{expectedLevel}/m1", topic);
    }

    [Theory]
    [InlineData("factory/+/x", "'+'")]
    [InlineData("factory/#", "'#'")]
    [InlineData("$SYS/x", "'$'")]
    [InlineData("factory/{site", "without its '}'")]
    [InlineData("factory/{}", "empty")]
    [InlineData("", "empty")]
    public void Template_RejectsBadSyntax_WithTheReason(string text, string expected)
    {
        Assert.False(TopicTemplate.TryParse(text, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateTags_TwoTagsOnOneTopic_IsAnErrorNamingBoth()
    {
        var options = new MqttSinkOptions { Topic = "factory/{site}/{machine}/{tag}" };
        var tags = new List<TagIdentity>
        {
            new("opc1", "cnc1", "Speed", "cnc", TestSinks.GatewayLabels),
            new("opc2", "cnc1", "Speed", "plc", TestSinks.GatewayLabels),
            new("opc1", "cnc1", "Feed", "cnc", TestSinks.GatewayLabels),
        };
        var problems = new MqttSinkPlugin().ValidateTags(options, Gateway, tags).ToList();
        var problem = Assert.Single(problems);
        Assert.Equal("topic", problem.Key);
        Assert.Contains("opc1/cnc1/Speed", problem.Message, StringComparison.Ordinal);
        Assert.Contains("opc2/cnc1/Speed", problem.Message, StringComparison.Ordinal);
        Assert.Contains("factory/plant1/cnc1/Speed", problem.Message, StringComparison.Ordinal);

        options.Topic = "factory/{site}/{source}/{machine}/{tag}";
        Assert.Empty(new MqttSinkPlugin().ValidateTags(options, Gateway, tags));
    }

    [Fact]
    public void ValidateTags_SanitizingCanCollideToo()
    {
        var options = new MqttSinkOptions { Topic = "factory/{line}/{tag}" };
        var tags = new List<TagIdentity>
        {
            new("opc1", "cnc1", "Speed", "cnc", LabelSet.From([new("line", "A/B")])),
            new("opc1", "cnc2", "Speed", "cnc", LabelSet.From([new("line", "A+B")])),
        };
        var problem = Assert.Single(new MqttSinkPlugin().ValidateTags(options, Gateway, tags));
        Assert.Contains("factory/A_B/Speed", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateTags_JsonBatch_MachinesSharingABatchTopic_IsAnError()
    {
        var options = new MqttSinkOptions { Payload = PayloadFormats.JsonBatch, BatchTopic = "factory/{site}" };
        var tags = new List<TagIdentity>
        {
            new("opc1", "cnc1", "Speed", "cnc", TestSinks.GatewayLabels),
            new("opc1", "cnc1", "Feed", "cnc", TestSinks.GatewayLabels),
            new("opc1", "cnc2", "Speed", "cnc", TestSinks.GatewayLabels),
        };
        var problem = Assert.Single(new MqttSinkPlugin().ValidateTags(options, Gateway, tags));
        Assert.Equal("batchTopic", problem.Key);
        Assert.Contains("'opc1/cnc1' and 'opc1/cnc2'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateTags_MissingLabel_SaysWhereToAddIt()
    {
        var options = new MqttSinkOptions();
        var tags = new List<TagIdentity> { new("opc1", "cnc1", "Speed", "cnc", LabelSet.Empty) };
        var problems = new MqttSinkPlugin().ValidateTags(options, new GatewayIdentity("gw1", LabelSet.Empty), tags).ToList();
        Assert.Contains(problems, p => p.Key == "topic" && p.Message.Contains("no label 'site'", StringComparison.Ordinal) && p.Message.Contains("gateway.labels", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "statusTopic" && p.Message.Contains("'site'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ReportsEachBadKey()
    {
        var options = new MqttSinkOptions
        {
            Payload = "xml",
            ProtocolVersion = "4",
            Topic = "factory/#",
            BatchTopic = "factory/{tag}",
            StatusTopic = "status/{machine}",
            Password = "x",
            CertFile = "/nonexistent/cert.pem",
            ReconnectDelayMs = 5000,
            ReconnectMaxDelayMs = 1000,
        };
        var keys = new MqttSinkPlugin().Validate(options).Select(p => p.Key).ToList();
        Assert.Equal(["payload", "protocolVersion", "topic", "batchTopic", "statusTopic", "username", "keyFile", "certFile", "reconnectMaxDelayMs"], keys);
        Assert.Empty(new MqttSinkPlugin().Validate(new MqttSinkOptions()));
    }

    [Fact]
    public async Task Labels_EndToEnd_TopicFromTemplate()
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "plants/#");
        var options = TestSinks.Options(broker.Port);
        options.Topic = "plants/{site}/{line}/{machine}/{tag}";
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        var labels = LabelSet.From([new("site", "plant1"), new("line", "L1/east")]);
        await sink.DeliverAsync([TestSinks.Reading(1, "cnc9", "Feed", labels: labels)], CancellationToken.None);
        var received = await subscriber.WaitForAsync(m => m.Count >= 1);
        Assert.Equal("plants/plant1/L1_east/cnc9/Feed", received[0].Topic);
    }
}
