using Gateway.Core;
using Gateway.OpcUa.Status;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// The per-tag statuses kept in one array by slot (<see cref="SourceTagHealth"/>), and the connector's tags as views of
/// the configuration's objects (<see cref="OpcUaTag"/>); no server.
/// </summary>
public sealed class TagHealthTests
{
    private static List<OpcUaTag> Tags(string machine, int count, int intervalMs = 200) =>
        OpcUaTag.From(Enumerable.Range(0, count).Select(i => Tag($"t{i}", $"ns=2;s={machine}.{i}", Group(AcquisitionMode.Subscribe, intervalMs), machine: machine)).ToList());

    [Fact]
    public void Each_tag_keeps_its_own_status_and_a_machine_counts_its_bad_tags_with_the_first_bad_code()
    {
        var m1 = Tags("m1", 3);
        var m2 = Tags("m2", 2);
        var health = new SourceTagHealth([.. m1, .. m2]);

        Assert.Null(health[m1[0]].Latest);
        health[m1[0]].Record(StatusCodes.Good);
        health[m1[1]].Record(StatusCodes.BadNodeIdUnknown);
        health[m2[1]].Record(StatusCodes.BadNotConnected);

        Assert.Equal(new StatusCode(StatusCodes.Good), health[m1[0]].Latest);
        Assert.False(health[m1[0]].IsBad);
        Assert.True(health[m1[1]].IsBad);
        Assert.Null(health[m1[2]].Latest);
        Assert.Equal(2, health.BadTags);
        var machine1 = health.ForMachine("m1");
        Assert.Equal(3, machine1.Tags);
        Assert.Equal(1, machine1.BadTags);
        Assert.Equal(new StatusCode(StatusCodes.BadNodeIdUnknown).ToString(), machine1.FirstBadStatus);
        Assert.Equal(2, health.ForMachine("m2").Tags);
        Assert.Equal(0, health.ForMachine("m3").Tags);
    }

    [Fact]
    public void A_bad_status_is_new_once_until_another_bad_status_comes()
    {
        var tags = Tags("m1", 1);
        var health = new SourceTagHealth(tags);
        var status = health[tags[0]];

        Assert.True(status.RecordAndCheckNewBad(StatusCodes.BadNodeIdUnknown));
        Assert.False(health[tags[0]].RecordAndCheckNewBad(StatusCodes.BadNodeIdUnknown));
        Assert.False(health[tags[0]].RecordAndCheckNewBad(StatusCodes.Good));
        Assert.False(health[tags[0]].RecordAndCheckNewBad(StatusCodes.BadNodeIdUnknown));
        Assert.True(health[tags[0]].RecordAndCheckNewBad(StatusCodes.BadNotReadable));
    }

    [Fact]
    public void After_a_new_tag_list_a_kept_tag_keeps_its_status_a_new_one_has_none_and_a_gone_one_is_forgotten()
    {
        var tags = Tags("m1", 3);
        var health = new SourceTagHealth(tags);
        health[tags[0]].Record(StatusCodes.BadNodeIdUnknown);
        health[tags[2]].Record(StatusCodes.Good);
        var added = Tags("m1", 1, intervalMs: 500)[0];

        // Tag 1 gone, tag 2 kept (now first of the machine), a new tag after it; tag 0 kept.
        health.Track([tags[2], added, tags[0]]);

        Assert.Equal(new StatusCode(StatusCodes.Good), health[tags[2]].Latest);
        Assert.Null(health[added].Latest);
        Assert.Equal(new StatusCode(StatusCodes.BadNodeIdUnknown), health[tags[0]].Latest);
        Assert.Equal(3, health.ForMachine("m1").Tags);
        Assert.Equal(1, health.BadTags);
        // A tag no longer tracked gets a status of its own: recording it changes nothing of the table.
        health[tags[1]].Record(StatusCodes.BadInternalError);
        Assert.Null(health[tags[1]].Latest);
        Assert.Equal(1, health.BadTags);
    }

    [Fact]
    public void A_tag_listed_twice_has_one_status_and_a_tag_in_two_tables_has_one_in_each()
    {
        var tags = Tags("m1", 2);
        var first = new SourceTagHealth([tags[0], tags[1], tags[0]]);
        var second = new SourceTagHealth([tags[1], tags[0]]);

        first[tags[0]].Record(StatusCodes.BadNodeIdUnknown);
        second[tags[0]].Record(StatusCodes.Good);

        Assert.Equal(2, first.ForMachine("m1").Tags);
        Assert.Equal(new StatusCode(StatusCodes.BadNodeIdUnknown), first[tags[0]].Latest);
        Assert.Equal(new StatusCode(StatusCodes.Good), second[tags[0]].Latest);
        Assert.Equal(1, first.BadTags);
        Assert.Equal(0, second.BadTags);
    }

    [Fact]
    public void A_connector_tag_reads_through_to_the_configuration_and_equals_another_of_the_same_configuration()
    {
        var group = Group(AcquisitionMode.Poll, 1000);
        var configured = new[] { Tag("speed", "ns=2;s=Speed", group), Tag("feed", null, group, path: "Objects/Cnc/Feed") };
        var tags = OpcUaTag.From(configured);

        Assert.Equal(("plc", "cell-1", configured[0].Group, "speed"), (tags[0].Source, tags[0].Machine, tags[0].Group, tags[0].Tag));
        Assert.Equal("ns=2;s=Speed", tags[0].NodeId);
        Assert.Null(tags[0].BrowsePath);
        Assert.Null(tags[1].NodeId);
        Assert.Equal("Objects/Cnc/Feed", tags[1].BrowsePath);
        Assert.Same(group.Options, tags[1].GroupConfig);
        Assert.Equal(TimeSpan.FromSeconds(1), tags[1].Interval);
        Assert.Equal(LabelSet.From([new("site", "test")]), tags[1].Labels);
        Assert.Equal(tags[0], OpcUaTag.From(configured[0]));
        Assert.Equal(tags[0].GetHashCode(), OpcUaTag.From(configured[0]).GetHashCode());
        Assert.NotEqual(tags[0], tags[1]);
        Assert.NotEqual(tags[0], OpcUaTag.From(Tag("speed", "ns=2;s=Other", group)));
        var written = new OpcUaTag("plc", "cell-1", configured[0].Group, "speed", "ns=2;s=Speed", null, null, group.Options, TimeSpan.FromSeconds(1), "plc", LabelSet.From([new("site", "test")]), false);
        Assert.Equal(tags[0], written);
    }
}
