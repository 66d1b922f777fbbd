namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>The plugin's checks of the embedded broker's settings (the file and line come from the loader, tested in the host).</summary>
public sealed class EmbeddedBrokerOptionTests
{
    private static readonly string Hash = BrokerPasswordHash.Create("pw", BrokerPasswordHash.MinimumIterations).ToString();

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.168.10.5")]
    public void ANetworkBind_NeedsUsersOrAllowAnonymous(string bind)
    {
        var options = new MqttSinkOptions { Embedded = true, Bind = bind };
        Assert.Equal(["bind"], Problems(options).Select(p => p.Key));

        options.AllowAnonymous = true;
        Assert.Empty(Problems(options));

        options.AllowAnonymous = false;
        options.Users = [new EmbeddedBrokerUser { Name = "scada", PasswordHash = Hash }];
        Assert.Empty(Problems(options));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    public void ALoopbackBind_NeedsNoUsers(string bind) =>
        Assert.Empty(Problems(new MqttSinkOptions { Embedded = true, Bind = bind }));

    [Fact]
    public void ANetworkTlsBind_NeedsUsersOrAllowAnonymous_Too()
    {
        var file = Path.GetTempFileName();
        var options = new MqttSinkOptions { Embedded = true, BrokerTls = new() { Bind = "0.0.0.0", Port = 8883, CertFile = file, KeyFile = file } };

        var problems = Problems(options).ToList();
        File.Delete(file);

        // (The empty file is also refused as a certificate, at brokerTls.certFile: only the bind's problem matters here.)
        var problem = Assert.Single(problems, p => p.Key.EndsWith("bind", StringComparison.Ordinal));
        Assert.Equal("brokerTls.bind", problem.Key);
        Assert.Same(options.BrokerTls, problem.Owner);
    }

    [Fact]
    public void UsersAndTheirFilters_AreChecked_EachAtItsOwnEntry()
    {
        var duplicate = new EmbeddedBrokerUser { Name = "scada", PasswordHash = Hash, Publish = ["factory/#/x"] };
        var options = new MqttSinkOptions
        {
            Embedded = true,
            Users = [new EmbeddedBrokerUser { Name = "scada", PasswordHash = "secret-in-clear" }, duplicate],
        };

        var problems = Problems(options);

        Assert.Equal(["users[0].passwordHash", "users[1].name", "users[1].publish"], problems.Select(p => p.Key));
        Assert.Same(duplicate, problems[1].Owner);
        Assert.DoesNotContain(problems, p => p.Message.Contains("secret-in-clear", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingsOfAnotherSide_AreRefusedWithTheFix()
    {
        var embedded = new MqttSinkOptions { Embedded = true, Username = "gw", Password = "pw", Tls = true, BrokerTls = new() { Port = 1883, CertFile = "/nonexistent.pem", KeyFile = "/nonexistent.key" } };
        Assert.Equal(["tls", "username", "brokerTls.port", "brokerTls.certFile", "brokerTls.keyFile"], Problems(embedded).Select(p => p.Key));

        var external = new MqttSinkOptions { Users = [new EmbeddedBrokerUser { Name = "x", PasswordHash = Hash }], AllowAnonymous = true };
        Assert.Equal(["users", "allowAnonymous"], Problems(external).Select(p => p.Key));
    }

    private static List<Core.OptionProblem> Problems(MqttSinkOptions options) => [.. new MqttSinkPlugin().Validate(options)];
}
