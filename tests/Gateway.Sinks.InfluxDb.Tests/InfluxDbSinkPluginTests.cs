namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>Option checks that the attributes cannot express.</summary>
public sealed class InfluxDbSinkPluginTests
{
    private static List<string> ProblemKeys(InfluxDbSinkOptions options) => new InfluxDbSinkPlugin().Validate(options).Select(p => p.Key).ToList();

    [Fact]
    public void V2_needs_a_bucket_and_refuses_v1_keys()
    {
        Assert.Empty(ProblemKeys(new InfluxDbSinkOptions { Url = "http://influx:8086", Bucket = "plant", Token = "t" }));
        Assert.Equal(["bucket", "database"], ProblemKeys(new InfluxDbSinkOptions { Url = "http://influx:8086", Database = "plant" }));
    }

    [Fact]
    public void V1_needs_a_database_and_a_username_with_a_password()
    {
        Assert.Empty(ProblemKeys(new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = "http://influx:8086", Database = "plant", Username = "u", Password = "p" }));
        Assert.Equal(["database", "token", "username"], ProblemKeys(new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = "http://influx:8086", Token = "t", Password = "p" }));
    }

    [Fact]
    public void Url_and_tag_keys_are_checked()
    {
        Assert.Equal(["url"], ProblemKeys(new InfluxDbSinkOptions { Url = "influx:8086", Bucket = "b" }));
        Assert.Equal(["qualityTag"], ProblemKeys(new InfluxDbSinkOptions { Url = "http://x", Bucket = "b", QualityTag = "machine" }));
        Assert.Equal(["machineTag"], ProblemKeys(new InfluxDbSinkOptions { Url = "http://x", Bucket = "b", MachineTag = "time" }));
    }
}
