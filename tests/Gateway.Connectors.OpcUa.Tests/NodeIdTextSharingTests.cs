using Gateway.OpcUa.Types;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// The address keeps a NodeId text as a shared namespace part and the identifier, the resolved NodeId shares the
/// identifier: the text read back, equality and hashing are as when the whole text was kept; no server.
/// </summary>
public sealed class NodeIdTextSharingTests
{
    private const string Simulator = "nsu=urn:changwon-gateway:simulator;s=";

    [Theory]
    [InlineData("nsu=urn:changwon-gateway:simulator;s=m001/Generated/Tag00001")]
    [InlineData("ns=2;s=Spindle.Speed")]
    [InlineData("i=2258")]
    [InlineData("ns=3;i=1001")]
    [InlineData("ns=1;g=09087e75-8e5e-499b-954f-f2a9603db28a")]
    [InlineData("ns=1;b=AQID")]
    [InlineData(" ns=2;s=Spaced ")]
    [InlineData("nsu=urn:a;s=b;s=c")]
    [InlineData("ns=2;s=")]
    [InlineData("s=NoNamespace")]
    [InlineData("not a node id")]
    [InlineData("")]
    public void The_text_read_back_is_the_text_written(string text)
    {
        var address = new OpcUaTagAddress { NodeId = text };

        Assert.Equal(text, address.NodeId);
        Assert.Null(new OpcUaTagAddress { NodeId = null }.NodeId);
    }

    [Fact]
    public void Addresses_in_one_namespace_share_its_text_and_keep_only_their_identifier()
    {
        var first = new OpcUaTagAddress { NodeId = Simulator + "m001/Generated/Tag00001" };
        var second = new OpcUaTagAddress { NodeId = string.Concat("nsu=urn:changwon-gateway:", "simulator;s=", "m002/Generated/Tag00002") };
        var other = new OpcUaTagAddress { NodeId = "nsu=urn:vendor:cnc;s=Spindle.Speed" };

        Assert.Same(first.NodeIdHead, second.NodeIdHead);
        Assert.Equal(Simulator, first.NodeIdHead);
        Assert.Equal("m001/Generated/Tag00001", first.StringIdentifier);
        Assert.Equal("nsu=urn:vendor:cnc;s=", other.NodeIdHead);
        Assert.Null(new OpcUaTagAddress { NodeId = "ns=3;i=1001" }.StringIdentifier);
        Assert.Null(new OpcUaTagAddress { NodeId = " ns=2;s=Spaced " }.NodeIdHead);
    }

    [Fact]
    public void The_resolved_node_id_holds_the_address_identifier_instance_and_equals_the_parsed_one()
    {
        var group = Group(AcquisitionMode.Subscribe, 1000);
        var tag = OpcUaTag.From(Tag("t1", Simulator + "m001/Generated/Tag00001", group));
        var parsed = new NodeId(5, ExpandedNodeId.Parse(tag.NodeId!).NodeId.StringIdentifier);

        var resolved = tag.WithOwnIdentifier(parsed);

        Assert.Equal(parsed, resolved);
        Assert.Equal((ushort)5, resolved.NamespaceIndex);
        Assert.NotSame(parsed.StringIdentifier, resolved.StringIdentifier);
        var address = new OpcUaTagAddress { NodeId = Simulator + "m001/Generated/Tag00001" };
        Assert.Equal(address.StringIdentifier, resolved.StringIdentifier);

        // Another identifier, a numeric id or a text not split is left as the session resolved it.
        var elsewhere = new NodeId(5, "m001/Generated/Tag00002");
        Assert.Same(elsewhere, tag.WithOwnIdentifier(elsewhere));
        var numeric = new NodeId(2, 1001u);
        Assert.Same(numeric, OpcUaTag.From(Tag("n", "ns=2;i=1001", group)).WithOwnIdentifier(numeric));
        var spaced = new NodeId(2, "Spaced");
        Assert.Same(spaced, OpcUaTag.From(Tag("s", " ns=2;s=Spaced ", group)).WithOwnIdentifier(spaced));
    }

    [Fact]
    public void The_shared_identifier_is_the_one_instance_the_address_keeps()
    {
        var group = Group(AcquisitionMode.Subscribe, 1000);
        var configured = Tag("t1", Simulator + "m001/Generated/Tag00001", group);
        var tag = OpcUaTag.From(configured);

        var resolved = tag.WithOwnIdentifier(new NodeId(5, "m001/Generated/Tag00001"));

        Assert.Same(((OpcUaTagAddress)configured.Address).StringIdentifier, resolved.StringIdentifier);
    }

    [Fact]
    public void Tags_are_equal_and_hash_alike_by_their_node_id_text_whatever_its_instances()
    {
        var group = Group(AcquisitionMode.Subscribe, 1000);
        var one = OpcUaTag.From(Tag("t", Simulator + "m001/Tag", group));
        var same = OpcUaTag.From(Tag("t", string.Concat(Simulator, "m001/", "Tag"), group));

        Assert.Equal(one, same);
        Assert.Equal(one.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(one, OpcUaTag.From(Tag("t", Simulator + "m001/Tag2", group)));
        Assert.NotEqual(one, OpcUaTag.From(Tag("t", "nsu=urn:other;s=m001/Tag", group)));
        Assert.NotEqual(one, OpcUaTag.From(Tag("t", " " + Simulator + "m001/Tag", group)));
        Assert.NotEqual(one, OpcUaTag.From(Tag("t", null, group, path: "Objects/m001/Tag")));
        Assert.Equal(
            OpcUaTag.From(Tag("t", " ns=2;s=x ", group)),
            OpcUaTag.From(Tag("t", string.Concat(" ns=2;", "s=x "), group)));
        Assert.Equal(Simulator + "m001/Tag", one.NodeId);
        Assert.Null(one.BrowsePath);
        Assert.Equal($"plc/cell-1/{one.Group}/t ({Simulator}m001/Tag)", one.ToString());
    }
}
