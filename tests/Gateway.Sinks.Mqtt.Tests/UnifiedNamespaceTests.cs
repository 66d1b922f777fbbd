using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>
/// ISA-95 unified-namespace topics ({enterprise}/{site}/{area}/{line}/{cell}/{machine}/{tag}) from labels: the checks
/// that keep two tags off one topic, and retained last values per topic against a real mosquitto.
/// </summary>
public sealed class UnifiedNamespaceTests
{
    private const string UnsTopic = "{enterprise}/{site}/{area}/{line}/{cell}/{machine}/{tag}";

    private static readonly GatewayIdentity Gateway = new("gw1", LabelSet.From([new("enterprise", "acme"), new("site", "changwon"), new("area", "machining")]));

    private static LabelSet Levels(string line, string cell) =>
        LabelSet.From([new("enterprise", "acme"), new("site", "changwon"), new("area", "machining"), new("line", line), new("cell", cell)]);

    [Fact]
    public void Isa95_levels_from_labels_give_every_tag_its_own_topic()
    {
        var options = new MqttSinkOptions { Topic = UnsTopic };
        var tags = new List<TagIdentity>
        {
            new("line1", "cnc-07", "spindle_speed", "cnc", Levels("L1", "cell-2")),
            new("line1", "cnc-07", "part_count", "cnc", Levels("L1", "cell-2")),
            new("line2", "cnc-07", "spindle_speed", "cnc", Levels("L2", "cell-2")),
            new("line1", "cnc-08", "spindle_speed", "cnc", Levels("L1", "cell-3")),
        };
        Assert.Empty(new MqttSinkPlugin().ValidateTags(options, Gateway, tags));
        var topic = TopicTemplate.Parse(UnsTopic).Render(TopicValues.Of(tags[0], Gateway.Name));
        Assert.Equal("acme/changwon/machining/L1/cell-2/cnc-07/spindle_speed", topic);
    }

    [Fact]
    public void Two_machines_of_one_name_in_two_lines_collide_when_the_template_leaves_out_the_line_and_the_error_says_how_to_fix_it()
    {
        var options = new MqttSinkOptions { Topic = "{enterprise}/{site}/{area}/{cell}/{machine}/{tag}" };
        var tags = new List<TagIdentity>
        {
            new("line1", "cnc-07", "spindle_speed", "cnc", Levels("L1", "cell-2")),
            new("line2", "cnc-07", "spindle_speed", "cnc", Levels("L2", "cell-2")),
        };
        var problem = Assert.Single(new MqttSinkPlugin().ValidateTags(options, Gateway, tags));
        Assert.Equal("topic", problem.Key);
        Assert.Contains("'line1/cnc-07/spindle_speed' and 'line2/cnc-07/spindle_speed'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("acme/changwon/machining/cell-2/cnc-07/spindle_speed", problem.Message, StringComparison.Ordinal);
        Assert.Contains("add a placeholder", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_without_an_Isa95_level_is_an_error_naming_the_label_and_where_to_add_it()
    {
        var options = new MqttSinkOptions { Topic = UnsTopic };
        var noCell = LabelSet.From([new("enterprise", "acme"), new("site", "changwon"), new("area", "machining"), new("line", "L1")]);
        var problem = Assert.Single(new MqttSinkPlugin().ValidateTags(options, Gateway, [new("line1", "cnc-09", "spindle_speed", "cnc", noCell)]));
        Assert.Equal("topic", problem.Key);
        Assert.Contains("no label 'cell'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("machine's labels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_on_the_gateway_status_topic_is_an_error()
    {
        var options = new MqttSinkOptions { Topic = "{enterprise}/{site}/{machine}/{tag}", StatusTopic = "{enterprise}/{site}/{gateway}/status" };
        var problems = new MqttSinkPlugin().ValidateTags(options, Gateway, [new("opc1", "gw1", "status", "m", Levels("L1", "c1"))]).ToList();
        var problem = Assert.Single(problems);
        Assert.Equal("topic", problem.Key);
        Assert.Contains("'acme/changwon/gw1/status', the gateway's status topic", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetainTopics_must_be_filters_and_not_doubled_by_retain()
    {
        var plugin = new MqttSinkPlugin();
        var bad = plugin.Validate(new MqttSinkOptions { RetainTopics = ["acme/#/x"] }).ToList();
        Assert.Contains(bad, p => p.Key == "retainTopics" && p.Message.Contains("'#'", StringComparison.Ordinal));
        var doubled = plugin.Validate(new MqttSinkOptions { Retain = true, RetainTopics = ["acme/#"] }).ToList();
        Assert.Contains(doubled, p => p.Key == "retainTopics" && p.Message.Contains("`retain: true` already", StringComparison.Ordinal));
        Assert.Empty(plugin.Validate(new MqttSinkOptions { RetainTopics = ["acme/+/+/+/+/+/#"] }));
    }

    [Fact]
    public async Task Topics_matching_retainTopics_keep_their_last_value_for_a_subscriber_that_comes_later()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var options = TestSinks.Options(broker.Port);
        options.Topic = UnsTopic;
        options.RetainTopics = ["acme/+/+/L1/#"];
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        await sink.DeliverAsync(
            [
                TestSinks.Reading(1, "cnc-07", "spindle_speed", ReadingValue.FromDouble(100), labels: Levels("L1", "cell-2")),
                TestSinks.Reading(2, "cnc-07", "spindle_speed", ReadingValue.FromDouble(200), labels: Levels("L1", "cell-2")),
                TestSinks.Reading(3, "cnc-07", "spindle_speed", ReadingValue.FromDouble(300), labels: Levels("L2", "cell-2")),
            ],
            CancellationToken.None);

        // Subscribed only now: the broker hands over the retained last value of each retained topic, nothing else.
        await using var late = await MqttSubscriber.ConnectAsync(broker.Port, "acme/#");
        var received = await late.WaitForAsync(m => m.Count >= 1);
        var retained = Assert.Single(received);
        Assert.Equal("acme/changwon/machining/L1/cell-2/cnc-07/spindle_speed", retained.Topic);
        Assert.True(retained.Retain);
        Assert.Contains("\"value\":200", retained.Payload, StringComparison.Ordinal);

        // Live subscribers see every reading; only the L1 ones carry the retain flag as published.
        await using var live = await MqttSubscriber.ConnectAsync(broker.Port, "acme/+/+/L2/#");
        await sink.DeliverAsync([TestSinks.Reading(4, "cnc-07", "spindle_speed", ReadingValue.FromDouble(400), labels: Levels("L2", "cell-2"))], CancellationToken.None);
        var l2 = await live.WaitForAsync(m => m.Count >= 1);
        Assert.Contains("\"value\":400", Assert.Single(l2).Payload, StringComparison.Ordinal);
    }
}
