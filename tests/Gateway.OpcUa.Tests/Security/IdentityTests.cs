using Gateway.OpcUa.Client;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>Anonymous, user name and X.509 user identities against node-opcua (tests/servers/opcua-secure): user1 / password1.</summary>
[Collection(SecureServerCollection.Name)]
public sealed class IdentityTests(SecureServerFixture fixture)
{
    private OpcUaClientOptions Secure(UserIdentity identity) =>
        SecurityTestKit.Options(fixture.ClientCertificate, fixture.Server.CertificateThumbprint, SecurityModeChoice.SignAndEncrypt, "Basic256Sha256", identity);

    private async Task AssertReadsAsync(OpcUaClient client) =>
        Assert.Equal(42.5, (await client.ReadValuesAsync([new NodeId(fixture.Server.TestNamespace, "Answer")]))[0].Value.Value);

    [Fact]
    public async Task Anonymous_on_a_secure_channel()
    {
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, Secure(UserIdentity.Anonymous));
        await AssertReadsAsync(client);
    }

    [Fact]
    public async Task The_right_password_opens_a_session()
    {
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, Secure(UserIdentity.UserName(NodeOpcUaSecureServer.UserName, NodeOpcUaSecureServer.Password)));
        await AssertReadsAsync(client);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_the_servers_status()
    {
        var error = await Assert.ThrowsAsync<UaIdentityException>(() =>
            OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, Secure(UserIdentity.UserName(NodeOpcUaSecureServer.UserName, "wrong"))));

        Assert.Equal(StatusCodes.BadUserAccessDenied, error.StatusCode);
        Assert.Contains("user 'user1'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_X509_user_certificate_signs_the_server_nonce()
    {
        using var user = SecurityTestKit.UserCertificate();
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, Secure(UserIdentity.Certificate(user)));
        await AssertReadsAsync(client);
    }

    [Fact]
    public async Task A_password_over_a_None_channel_is_encrypted_as_the_token_policy_demands()
    {
        var validator = new ThumbprintValidator(fixture.Server.CertificateThumbprint);
        var options = new OpcUaClientOptions
        {
            SecurityMode = SecurityModeChoice.None,
            ServerCertificateValidator = validator,
            Identity = UserIdentity.UserName(NodeOpcUaSecureServer.UserName, NodeOpcUaSecureServer.Password),
            KeepAliveInterval = TimeSpan.Zero,
        };

        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.EndpointUrl, options);

        Assert.True(client.Security.IsNone);
        await AssertReadsAsync(client);

        // The certificate the password was encrypted for was validated first.
        Assert.Equal(1, validator.Calls);
    }

    [Fact]
    public async Task A_clear_text_password_is_refused_unless_the_source_allows_it()
    {
        var options = new OpcUaClientOptions
        {
            SecurityMode = SecurityModeChoice.None,
            Identity = UserIdentity.UserName(NodeOpcUaSecureServer.UserName, NodeOpcUaSecureServer.Password),
            KeepAliveInterval = TimeSpan.Zero,
        };

        var error = await Assert.ThrowsAsync<UaIdentityException>(() => OpcUaClient.ConnectAsync(fixture.Server.PlainEndpointUrl, options));
        Assert.Contains("clear text", error.Message, StringComparison.Ordinal);

        // A clear-text password protects nothing with the server certificate, so its validator is not even asked.
        var allowed = options with
        {
            Identity = UserIdentity.UserName(NodeOpcUaSecureServer.UserName, NodeOpcUaSecureServer.Password, allowPlainText: true),
            ServerCertificateValidator = new RefusingValidator(),
        };
        await using var client = await OpcUaClient.ConnectAsync(fixture.Server.PlainEndpointUrl, allowed);
        await AssertReadsAsync(client);
    }
}
