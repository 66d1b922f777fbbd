using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.CodeGen;

/// <summary>
/// The committed *.Generated.cs files of Gateway.OpcUa are exactly what the generator makes today from the
/// specification's files and wire-vocabulary.txt. Set GATEWAY_WRITE_GENERATED=1 to rewrite them after editing the list.
/// </summary>
public sealed class GeneratedVocabularyTests
{
    private static readonly string StackDirectory = RepositoryPaths.Combine("connectors", "Gateway.OpcUa");

    private static readonly string SchemaDirectory = Path.Combine(RepositoryPaths.Root, "..", "shared", "opcua-schema");

    private static IReadOnlyDictionary<string, string> Generate() =>
        WireVocabularyGenerator.Generate(SchemaDirectory, File.ReadAllText(Path.Combine(StackDirectory, "Services", "wire-vocabulary.txt")));

    [Fact]
    public void The_committed_generated_files_match_the_generator()
    {
        var generated = Generate();
        if (Environment.GetEnvironmentVariable("GATEWAY_WRITE_GENERATED") == "1")
        {
            foreach (var (path, text) in generated)
            {
                var file = Path.Combine(StackDirectory, path);
                if (!File.Exists(file) || File.ReadAllText(file) != text)
                {
                    File.WriteAllText(file, text);
                }
            }
        }

        foreach (var (path, text) in generated)
        {
            var file = Path.Combine(StackDirectory, path);
            Assert.True(File.Exists(file) && File.ReadAllText(file) == text, $"connectors/Gateway.OpcUa/{path} is stale: run the tests once with GATEWAY_WRITE_GENERATED=1");
        }
    }

    [Fact]
    public void Every_status_code_of_the_specification_prints_by_name()
    {
        var lines = File.ReadAllLines(Path.Combine(SchemaDirectory, "StatusCode.csv")).Where(l => l.Length > 0).ToList();
        Assert.True(lines.Count > 250, $"StatusCode.csv has only {lines.Count} lines");
        foreach (var fields in lines.Select(l => l.Split(',')))
        {
            var code = Convert.ToUInt32(fields[1], 16);
            Assert.Equal(fields[0], StatusCodes.NameOf(code));
            Assert.Equal(fields[0], new StatusCode(code | 0x0400).Name); // info bits do not hide the name
        }
    }

    [Fact]
    public void The_message_table_knows_every_request_and_response_of_the_selection()
    {
        var selection = File.ReadAllLines(Path.Combine(StackDirectory, "Services", "wire-vocabulary.txt"))
            .Select(l => l.Split('#')[0].Trim().Split(' ')[0])
            .Where(n => n.EndsWith("Request", StringComparison.Ordinal) || n.EndsWith("Response", StringComparison.Ordinal) || n == "ServiceFault")
            .Where(n => !n.StartsWith("MonitoredItem", StringComparison.Ordinal) && n != "CallMethodRequest")
            .ToList();
        Assert.Contains("HistoryReadRequest", selection);
        foreach (var name in selection)
        {
            var type = typeof(MessageTypes).Assembly.GetType($"Gateway.OpcUa.Services.{name}") ?? throw new Xunit.Sdk.XunitException($"{name} was not generated");
            var message = (IServiceMessage)Activator.CreateInstance(type)!;
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            MessageTypes.Encode(new UaBinaryWriter(buffer), message);
            var reader = new UaBinaryReader(buffer.WrittenSpan);
            Assert.IsType(type, MessageTypes.Decode(ref reader));
            Assert.Equal(0, reader.Remaining);
        }
    }
}
