using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>One node-opcua server (tests/servers/opcua/server.js) shared by the class.</summary>
public sealed class NodeOpcUaFixture : IAsyncLifetime
{
    public NodeOpcUaServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await NodeOpcUaServer.StartAsync(doubles: 10);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// `gateway read` against node-opcua, an independent server: Decimals and structures the gateway has no description
/// of, text in Korean, dates, status codes, and a node in a namespace the server does not have.
/// </summary>
public sealed class ReadAgainstNodeOpcUaTests(NodeOpcUaFixture fixture) : IClassFixture<NodeOpcUaFixture>
{
    private static string Node(string name) => $"nsu=urn:gateway:tests;s={name}";

    private async Task<(int Exit, JsonElement Items, string Output, string Error)> ReadJsonAsync(params string[] names)
    {
        var args = new[] { "read", fixture.Server.EndpointUrl }.Concat(names.Select(n => n.Contains('=', StringComparison.Ordinal) ? n : Node(n))).Concat(["--json", "--security-mode", "none"]).ToArray();
        var (exit, output, error) = await CommandLineRunner.RunAsync(args);
        Assert.False(string.IsNullOrWhiteSpace(output), $"nothing printed (exit {exit}): {error}");
        return (exit, JsonDocument.Parse(output).RootElement, output, error);
    }

    [Fact]
    public async Task Read_json_prints_decimals_as_exact_numbers_and_unknown_structures_as_type_encoding_and_base64_body()
    {
        var (exit, items, _, error) = await ReadJsonAsync("Decimal", "DecimalNegative", "DecimalNegativeScale", "DecimalHuge", "UnknownStructure", "Double");

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Equal(6, items.GetArrayLength());
        Assert.Equal(JsonValueKind.Number, items[0].GetProperty("value").ValueKind);
        Assert.Equal("12345.678", items[0].GetProperty("value").GetRawText());
        Assert.Equal("Decimal", items[0].GetProperty("dataType").GetString());
        Assert.Equal("-1.5", items[1].GetProperty("value").GetRawText());
        Assert.Equal("700", items[2].GetProperty("value").GetRawText());

        // Beyond System.Decimal: the exact digits as a string rather than a rounded number.
        Assert.Equal("1234567890123456789012345678901234.56789", items[3].GetProperty("value").GetString());

        var structure = items[4].GetProperty("value");
        Assert.Equal($"ns={fixture.Server.TestNamespace};i=5001", structure.GetProperty("typeId").GetString());
        Assert.Equal("binary", structure.GetProperty("encoding").GetString());
        Assert.Equal(new byte[] { 0x01, 0x02, 0x03, 0xFF }, Convert.FromBase64String(structure.GetProperty("body").GetString()!));
        Assert.Equal("ExtensionObject", items[4].GetProperty("dataType").GetString());
        Assert.Equal(-1234.5678, items[5].GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Read_text_prints_the_same_values_on_one_line_each()
    {
        var (exit, output, error) = await CommandLineRunner.RunAsync("read", fixture.Server.EndpointUrl, Node("Decimal"), Node("UnknownStructure"), "--security-mode", "none");

        Assert.True(exit == ExitCodes.Ok, error);
        var lines = output.TrimEnd('\n').Split('\n').Select(l => l.Split('\t')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal("12345.678", lines[0][1]);
        Assert.Equal($"{{\"typeId\":\"ns={fixture.Server.TestNamespace};i=5001\",\"encoding\":\"binary\",\"body\":\"AQID/w==\"}}", lines[1][1]);
    }

    [Fact]
    public async Task Read_json_writes_korean_text_as_utf8_not_escapes()
    {
        var (_, items, output, _) = await ReadJsonAsync("String", "LocalizedText");

        Assert.Equal("가공 중 – Spindle ✓", items[0].GetProperty("value").GetString());
        Assert.Contains("\"가공 중 – Spindle ✓\"", output, StringComparison.Ordinal);
        Assert.Contains("\"스핀들\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dates_are_iso_8601_with_offset_and_status_codes_are_name_and_hex()
    {
        var (_, items, _, _) = await ReadJsonAsync("DateTime", "StatusCode", "NoSuchNode");
        Assert.Equal("2026-11-25T03:00:00.123Z", items[0].GetProperty("value").GetString());
        Assert.Equal("BadNodeIdUnknown (0x80340000)", items[1].GetProperty("value").GetString());
        Assert.Equal("BadNodeIdUnknown", items[2].GetProperty("status").GetString());
        Assert.Equal("0x80340000", items[2].GetProperty("statusCode").GetString());
        Assert.Equal("0x00000000", items[0].GetProperty("statusCode").GetString());

        var (_, text, _) = await CommandLineRunner.RunAsync("read", fixture.Server.EndpointUrl, Node("DateTime"), Node("NoSuchNode"), "--security-mode", "none");
        var lines = text.TrimEnd('\n').Split('\n').Select(l => l.Split('\t')).ToArray();
        Assert.Equal("2026-11-25T03:00:00.123Z", lines[0][1]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", lines[0][4]);
        Assert.Equal("BadNodeIdUnknown (0x80340000)", lines[1][3]);
    }

    [Fact]
    public async Task An_unknown_namespace_fails_only_its_node_the_others_are_printed_and_the_exit_code_is_2()
    {
        var (exit, items, _, error) = await ReadJsonAsync("Double", "nsu=urn:no-such-namespace;s=Speed", "Int32");

        Assert.Equal(ExitCodes.ConnectionError, exit);
        Assert.Equal(3, items.GetArrayLength());
        Assert.Equal(-1234.5678, items[0].GetProperty("value").GetDouble());
        Assert.Equal("nsu=urn:no-such-namespace;s=Speed", items[1].GetProperty("nodeId").GetString());
        Assert.Equal("BadNodeIdUnknown", items[1].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("value").ValueKind);
        Assert.Equal(int.MinValue, items[2].GetProperty("value").GetInt32());
        Assert.Contains("urn:no-such-namespace", error, StringComparison.Ordinal);
    }
}
