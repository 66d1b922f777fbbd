using Gateway.OpcUa.Client;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>Every policy and mode, endpoint selection and certificate validation against node-opcua (tests/servers/opcua-secure).</summary>
[Collection(SecureServerCollection.Name)]
public sealed class SecureConnectionTests(SecureServerFixture fixture)
{
    private NodeId Node(string id) => new(fixture.Server.TestNamespace, id);

    [Theory]
    [InlineData("Basic256Sha256", SecurityModeChoice.Sign)]
    [InlineData("Basic256Sha256", SecurityModeChoice.SignAndEncrypt)]
    [InlineData("Aes128_Sha256_RsaOaep", SecurityModeChoice.Sign)]
    [InlineData("Aes128_Sha256_RsaOaep", SecurityModeChoice.SignAndEncrypt)]
    [InlineData("Aes256_Sha256_RsaPss", SecurityModeChoice.Sign)]
    [InlineData("Aes256_Sha256_RsaPss", SecurityModeChoice.SignAndEncrypt)]
    public async Task Each_policy_and_mode_connects_reads_and_browses(string policy, SecurityModeChoice mode)
    {
        var options = SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, mode, policy);
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, options);

        Assert.Equal(SecurityPolicyUris.Resolve(policy), client.Security.Policy.Uri);
        Assert.Equal((int)mode, (int)client.Security.Mode);
        var values = await client.ReadValuesAsync([Node("Answer"), Node("Text"), Node("BigDoubleArray")]);
        Assert.Equal(42.5, values[0].Value.Value);
        Assert.Equal("보안 ✓", values[1].Value.Value);

        // 30,000 doubles: a response of several chunks, each verified (and decrypted) on its own.
        var big = Assert.IsType<double[]>(values[2].Value.Value);
        Assert.Equal(30000, big.Length);
        Assert.Equal(29999 * 0.25, big[^1]);
        var children = await client.BrowseAllAsync(Node("Secure"));
        Assert.Contains(children, r => r.BrowseName.Name == "Counter");
        Assert.Equal(1, ((ThumbprintValidator)options.ServerCertificateValidator!).Calls);
    }

    [Fact]
    public async Task Best_mode_picks_the_most_secure_endpoint_offered()
    {
        var endpoints = await OpcUaClient.GetEndpointsAsync(fixture.Server.EndpointUrl);
        Assert.Contains(endpoints, e => e.SecurityPolicyUri == SecurityPolicyUris.None);

        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint));

        Assert.Equal(SecurityPolicyUris.Aes256Sha256RsaPss, client.Security.Policy.Uri);
        Assert.Equal(MessageSecurityMode.SignAndEncrypt, client.Security.Mode);
        Assert.Equal(42.5, (await client.ReadValuesAsync([Node("Answer")]))[0].Value.Value);
    }

    [Fact]
    public async Task A_mode_the_server_does_not_offer_is_refused_with_what_it_offers()
    {
        var options = SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, SecurityModeChoice.Sign) with { SecurityPolicyUri = "None" };

        var error = await Assert.ThrowsAsync<UaTransportException>(() => OpcUaClient.ConnectAsync(fixture.Server.PlainEndpointUrl, options));

        Assert.Equal(StatusCodes.BadSecurityPolicyRejected, error.StatusCode);
        Assert.Contains("it offers None/None", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_decides_and_its_exception_arrives_unchanged()
    {
        var refusing = new RefusingValidator();
        var options = SecurityTestKit.Options(fixture.ClientCertificate, "", SecurityModeChoice.SignAndEncrypt) with { ServerCertificateValidator = refusing };

        var error = await Assert.ThrowsAsync<UaCertificateException>(() => OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, options));

        Assert.Same(refusing.Error, error);
        Assert.Equal("/tmp/rejected/server.der", error.RejectedFile);
    }

    [Fact]
    public async Task Without_a_validator_a_secure_connection_is_refused_never_auto_accepted()
    {
        var options = SecurityTestKit.Options(fixture.ClientCertificate, "", SecurityModeChoice.Sign) with { ServerCertificateValidator = null };

        var error = await Assert.ThrowsAsync<UaCertificateException>(() => OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, options));

        Assert.Equal(StatusCodes.BadCertificateUntrusted, error.StatusCode);
        Assert.Contains("no server certificate validator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_chunk_closes_the_channel_with_a_typed_error()
    {
        await using var relay = new TamperingRelay(fixture.Server.Port);
        var options = SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, SecurityModeChoice.SignAndEncrypt, "Basic256Sha256");
        await using var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{relay.Port}", options);
        Assert.Equal(42.5, (await client.ReadValuesAsync([Node("Answer")]))[0].Value.Value);
        UaException? lost = null;
        client.ConnectionLost += e => lost = e;

        relay.TamperNextMessage();
        var error = await Assert.ThrowsAsync<UaTransportException>(() => client.ReadValuesAsync([Node("Answer")]));

        Assert.Equal(1, relay.Tampered);
        Assert.Equal(StatusCodes.BadSecurityChecksFailed, error.StatusCode);
        Assert.Contains("signature is invalid", error.Message, StringComparison.Ordinal);
        Assert.Same(error, client.Channel.Fault);

        // The pending request fails first, then the event is raised on the receive loop's thread: wait for it.
        for (var waited = 0; Volatile.Read(ref lost) is null && waited < 5000; waited += 10)
        {
            await Task.Delay(10);
        }

        Assert.Same(error, lost);
        await Assert.ThrowsAsync<UaTransportException>(() => client.ReadValuesAsync([Node("Answer")]));
    }

    [Fact]
    public async Task A_replayed_chunk_breaks_the_sequence_and_closes_the_channel()
    {
        await using var relay = new TamperingRelay(fixture.Server.Port);
        var options = SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, SecurityModeChoice.Sign, "Aes128_Sha256_RsaOaep");
        await using var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{relay.Port}", options);
        var faulted = new TaskCompletionSource<UaException>();
        client.ConnectionLost += e => faulted.TrySetResult(e);

        // The copy is correctly signed; only its sequence number gives it away.
        relay.ReplayNextMessage();
        Assert.Equal(42.5, (await client.ReadValuesAsync([Node("Answer")]))[0].Value.Value);
        var error = await faulted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.IsType<UaTransportException>(error);
        Assert.Equal(StatusCodes.BadSequenceNumberInvalid, error.StatusCode);
        Assert.Contains("replayed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_channel_renews_its_token_while_reads_go_on_and_none_is_lost()
    {
        var options = SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, SecurityModeChoice.SignAndEncrypt, "Aes256_Sha256_RsaPss");
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, options);
        var firstToken = client.Channel.TokenId;
        var nodes = Enumerable.Range(0, 200).Select(i => Node($"Double.{i:00000}")).ToList();
        var reads = 0;
        var until = DateTime.UtcNow.AddSeconds(12);

        // Four readers at once, so requests are in flight while the token changes.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (DateTime.UtcNow < until)
            {
                var values = await client.ReadValuesAsync(nodes);
                Assert.All(values, (v, i) => Assert.Equal((double)i, v.Value.Value));
                Interlocked.Increment(ref reads);
            }
        }));

        // 5 s tokens renewed at 75%: at least two renewals in 12 s, and no read failed.
        Assert.True(client.Channel.Renewals >= 2, $"renewals: {client.Channel.Renewals}");
        Assert.NotEqual(firstToken, client.Channel.TokenId);
        Assert.Null(client.Channel.Fault);
        Assert.True(reads > 20, $"reads: {reads}");
    }
}
