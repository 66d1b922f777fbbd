using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Sparkplug.Tests;

/// <summary>What `gateway validate` says about a `type: sparkplug` entry, before anything connects.</summary>
public sealed class PluginTests
{
    private static readonly GatewayIdentity Gateway = new("gw1", LabelSet.From([new("site", "plant1")]));

    [Fact]
    public void Defaults_are_valid_and_each_bad_key_is_named()
    {
        var plugin = new SparkplugSinkPlugin();
        Assert.Empty(plugin.Validate(new SparkplugSinkOptions()));
        var options = new SparkplugSinkOptions
        {
            ProtocolVersion = "4",
            GroupId = "plant/1",
            EdgeNodeId = "gw#1",
            PrimaryHostId = "",
            DeviceId = "{machine}-{tag}",
            Datatypes = new() { ["Count"] = "UInt128" },
            Password = "secret",
            ReconnectDelayMs = 5000,
            ReconnectMaxDelayMs = 1000,
        };
        var problems = plugin.Validate(options).ToList();
        Assert.Equal(["protocolVersion", "groupId", "edgeNodeId", "primaryHostId", "deviceId", "datatypes.Count", "username", "reconnectMaxDelayMs"], problems.Select(p => p.Key));
        Assert.Contains("'/'", problems.Single(p => p.Key == "groupId").Message, StringComparison.Ordinal);
        Assert.Contains("UInt16", problems.Single(p => p.Key == "datatypes.Count").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_groupId_the_site_label_is_needed()
    {
        var problem = Assert.Single(new SparkplugSinkPlugin().ValidateTags(new SparkplugSinkOptions(), new GatewayIdentity("gw1", LabelSet.Empty), []));
        Assert.Equal("groupId", problem.Key);
        Assert.Contains("add `site` under gateway.labels", problem.Message, StringComparison.Ordinal);
        Assert.Empty(new SparkplugSinkPlugin().ValidateTags(new SparkplugSinkOptions { GroupId = "plant1" }, new GatewayIdentity("gw1", LabelSet.Empty), []));
    }

    [Fact]
    public void Two_tags_that_would_be_one_metric_of_one_device_are_an_error_naming_both_and_the_fix()
    {
        var tags = new List<TagIdentity>
        {
            new("opc1", "cnc1", "Speed", "cnc", Gateway.Labels),
            new("opc2", "cnc1", "Speed", "cnc", Gateway.Labels),
        };
        var problem = Assert.Single(new SparkplugSinkPlugin().ValidateTags(new SparkplugSinkOptions(), Gateway, tags));
        Assert.Equal("deviceId", problem.Key);
        Assert.Contains("'opc1/cnc1/Speed' and 'opc2/cnc1/Speed'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("{source}", problem.Message, StringComparison.Ordinal);
        Assert.Empty(new SparkplugSinkPlugin().ValidateTags(new SparkplugSinkOptions { DeviceId = "{source}-{machine}" }, Gateway, tags));
    }

    [Fact]
    public void A_deviceId_label_a_machine_lacks_is_an_error_saying_where_to_add_it()
    {
        var problem = Assert.Single(new SparkplugSinkPlugin().ValidateTags(new SparkplugSinkOptions { DeviceId = "{line}-{machine}" }, Gateway, [new("opc1", "cnc1", "Speed", "cnc", Gateway.Labels)]));
        Assert.Equal("deviceId", problem.Key);
        Assert.Contains("no label 'line'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bdSeq_file_gives_the_next_value_and_wraps_after_255()
    {
        var directory = RepositoryPaths.NewTempDirectory("bdseq");
        var sequence = new BirthDeathSequence(directory, "spb");
        Assert.Equal(0, sequence.Next());
        Assert.Equal(1, new BirthDeathSequence(directory, "spb").Next());
        File.WriteAllText(sequence.Path, "255");
        Assert.Equal(0, sequence.Next());
        Directory.Delete(directory, recursive: true);
    }
}
