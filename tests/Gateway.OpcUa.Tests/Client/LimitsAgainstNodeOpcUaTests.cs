using Gateway.OpcUa.Client;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.OpcUa.Transport;

namespace Gateway.OpcUa.Tests.Client;

[Collection(NodeOpcUaCollection.Name)]
public sealed class LimitsAgainstNodeOpcUaTests(NodeOpcUaFixture fixture)
{
    [Fact]
    public async Task A_response_above_our_MaxMessageSize_fails_that_call_with_the_typed_error_and_the_client_stays_usable()
    {
        await using var client = await OpcUaClient.ConnectAsync(
            fixture.Server.EndpointUrl,
            new OpcUaClientOptions { Channel = new() { Transport = new() { MaxMessageSize = 256 * 1024 } } });

        // 100,000 doubles are 800 KB: more than the 256 KiB this client accepts.
        var error = await Assert.ThrowsAnyAsync<UaException>(() => client.ReadValuesAsync([new NodeId(fixture.Server.TestNamespace, "BigDoubleArray")]));
        Assert.True(error.StatusCode is StatusCodes.BadResponseTooLarge or StatusCodes.BadTcpMessageTooLarge, error.Message);

        // The session still works.
        var small = await client.ReadValuesAsync([new NodeId(fixture.Server.TestNamespace, "Double")]);
        Assert.Equal(-1234.5678, small[0].Value.Value);
    }

    [Fact]
    public async Task Connecting_to_a_port_nobody_listens_on_says_refused()
    {
        var port = Gateway.Testing.FreePort.Next();
        var error = await Assert.ThrowsAsync<UaTransportException>(() => OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{port}"));
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCodes.BadNotConnected, error.StatusCode);
    }
}
