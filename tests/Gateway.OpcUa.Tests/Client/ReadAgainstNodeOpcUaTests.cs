using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Client;

/// <summary>Our client against node-opcua (started by <see cref="NodeOpcUaFixture"/>): every value checked exactly.</summary>
[Collection(NodeOpcUaCollection.Name)]
public sealed class ReadAgainstNodeOpcUaTests(NodeOpcUaFixture fixture)
{
    private OpcUaClient Client => fixture.Client;

    private NodeId Test(string id) => new(fixture.Server.TestNamespace, id);

    private async Task<DataValue> ReadAsync(string id) => (await Client.ReadValuesAsync([Test(id)]))[0];

    [Fact]
    public async Task Scalars_of_every_common_built_in_type_arrive_exactly()
    {
        Assert.Equal(true, (await ReadAsync("Boolean")).Value.Value);
        Assert.Equal((sbyte)-128, (await ReadAsync("SByte")).Value.Value);
        Assert.Equal((byte)255, (await ReadAsync("Byte")).Value.Value);
        Assert.Equal(short.MinValue, (await ReadAsync("Int16")).Value.Value);
        Assert.Equal(ushort.MaxValue, (await ReadAsync("UInt16")).Value.Value);
        Assert.Equal(int.MinValue, (await ReadAsync("Int32")).Value.Value);
        Assert.Equal(uint.MaxValue, (await ReadAsync("UInt32")).Value.Value);
        Assert.Equal(long.MinValue, (await ReadAsync("Int64")).Value.Value);
        Assert.Equal(ulong.MaxValue, (await ReadAsync("UInt64")).Value.Value);
        Assert.Equal(3.5f, (await ReadAsync("Float")).Value.Value);
        Assert.Equal(-1234.5678, (await ReadAsync("Double")).Value.Value);
        Assert.Equal("가공 중 – Spindle ✓", (await ReadAsync("String")).Value.Value);
        Assert.Equal(new DateTime(2026, 11, 25, 3, 0, 0, 123, DateTimeKind.Utc), (await ReadAsync("DateTime")).Value.Value);
        Assert.Equal(Guid.Parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63"), (await ReadAsync("Guid")).Value.Value);
        Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, (byte[])(await ReadAsync("ByteString")).Value.Value!);
        Assert.Equal(new NodeId(1, "Target"), (await ReadAsync("NodeIdValue")).Value.Value);
        Assert.Equal(new LocalizedText("스핀들", "ko-KR"), (await ReadAsync("LocalizedText")).Value.Value);
        Assert.Equal(new QualifiedName(1, "Speed"), (await ReadAsync("QualifiedName")).Value.Value);
        Assert.Equal(new StatusCode(StatusCodes.BadNodeIdUnknown), (await ReadAsync("StatusCode")).Value.Value);
    }

    [Fact]
    public async Task Arrays_and_matrices_keep_elements_and_dimensions()
    {
        Assert.Equal(new[] { 1, -2, int.MaxValue }, (int[])(await ReadAsync("Int32Array")).Value.Value!);
        Assert.Equal(new string?[] { "a", "나", "" }, (string?[])(await ReadAsync("StringArray")).Value.Value!);
        var matrix = (await ReadAsync("DoubleMatrix")).Value;
        Assert.Equal(new[] { 2, 3 }, matrix.Dimensions);
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, (double[])matrix.Value!);
    }

    [Fact]
    public async Task A_100000_element_array_and_a_1_MiB_byte_string_span_many_chunks_and_arrive_whole()
    {
        var big = (double[])(await ReadAsync("BigDoubleArray")).Value.Value!;
        Assert.Equal(100000, big.Length);
        Assert.Equal(0.5 * 99999, big[^1]);
        Assert.Equal(0.5 * 1234, big[1234]);
        var mib = (byte[])(await ReadAsync("MiBByteString")).Value.Value!;
        Assert.Equal(1024 * 1024, mib.Length);
        Assert.Equal((byte)(1000000 % 251), mib[1000000]);
    }

    [Fact]
    public async Task A_denied_variable_and_an_unknown_node_give_bad_statuses_not_exceptions()
    {
        var values = await Client.ReadValuesAsync([Test("Denied"), Test("NoSuchNode"), Test("Double")]);
        Assert.True(values[0].Status.IsBad, values[0].Status.ToString());
        Assert.Equal(StatusCodes.BadNodeIdUnknown, values[1].Status.Base);
        Assert.True(values[2].Status.IsGood);
    }

    [Fact]
    public async Task Reading_20000_nodes_is_split_by_the_servers_MaxNodesPerRead_and_keeps_the_order()
    {
        Assert.Equal(5000u, Client.MaxNodesPerRead);
        var nodes = Enumerable.Range(0, 20000).Select(i => Test($"Double.{i:D5}")).ToList();
        var before = Client.ReadCalls;
        var values = await Client.ReadValuesAsync(nodes);
        Assert.Equal(4, Client.ReadCalls - before);
        Assert.Equal(20000, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(values[i].Status.IsGood);
            Assert.Equal((double)i, values[i].Value.Value);
        }
    }

    [Fact]
    public async Task Browse_follows_continuation_points_to_every_child()
    {
        var blocks = await Client.BrowseAllAsync(Test("Doubles"), maxReferencesPerCall: 7);
        Assert.Equal(40, blocks.Count(c => c.NodeClass == NodeClass.Object));
        var children = await Client.BrowseAllAsync(Test("Doubles.Block39"), maxReferencesPerCall: 70);
        var names = children.Where(c => c.NodeClass == NodeClass.Variable).Select(c => c.BrowseName.Name).ToHashSet();
        Assert.Equal(500, names.Count);
        Assert.Contains("Double.19999", names);
        Assert.Contains("Double.19500", names);
    }

    [Fact]
    public async Task Browse_paths_and_nsu_node_ids_resolve_through_the_namespace_table()
    {
        Assert.Contains("urn:gateway:tests", Client.NamespaceArray);
        var path = OpcUaClient.ParseBrowsePath("Objects/Deep/L1/L2/L3/L4/L5/L6/L7/L8/Leaf", fixture.Server.TestNamespace);
        var result = (await Client.TranslateBrowsePathsAsync([path]))[0];
        Assert.True(result.StatusCode.IsGood, result.StatusCode.ToString());
        Assert.Equal(Test("Deep.Leaf"), result.Targets![0].TargetId.NodeId);

        var resolved = Client.ResolveNodeId("nsu=urn:gateway:tests;s=Deep.Leaf");
        Assert.Equal(Test("Deep.Leaf"), resolved);
        Assert.Equal(42.0, (await Client.ReadValuesAsync([resolved]))[0].Value.Value);
        Assert.Throws<UaServiceException>(() => Client.ResolveNodeId("nsu=urn:not-there;s=X"));
    }

    [Fact]
    public async Task GetEndpoints_lists_the_servers_none_endpoint()
    {
        var endpoints = await OpcUaClient.GetEndpointsAsync(fixture.Server.EndpointUrl);
        Assert.Contains(endpoints, e => e.SecurityMode == MessageSecurityMode.None && e.SecurityPolicyUri!.EndsWith("#None", StringComparison.Ordinal));
    }
}
