using System.Text.Json;

namespace Gateway.Configuration.Tests;

public sealed class SecretRegistryTests
{
    [Fact]
    public void Masks_longest_first_leaves_short_values_and_finds_a_secret_the_json_serializer_escaped()
    {
        var registry = new SecretRegistry();
        registry.Add(["pa+ss<1>", "pa+ss<1>-long", "ab"]);

        Assert.Equal("*** and *** but ab stays", registry.Redact("pa+ss<1>-long and pa+ss<1> but ab stays"));

        var json = JsonSerializer.Serialize(new { error = "refused pa+ss<1> at host" });
        Assert.Contains("\\u002B", json, StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"refused *** at host\"}", registry.RedactJson(json));
    }
}
