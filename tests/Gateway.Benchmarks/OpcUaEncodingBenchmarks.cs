using System.Buffers;
using BenchmarkDotNet.Attributes;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Benchmarks;

/// <summary>
/// Decoding cost of what a Read response carries: one Double DataValue (baseline: reading the same bytes as raw
/// primitives), and a whole 5,000-value ReadResponse. Allocations reported: a Double decodes with none.
/// Run: dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *OpcUaEncoding*
/// </summary>
[MemoryDiagnoser]
public class OpcUaEncodingBenchmarks
{
    private byte[] _doubleValue = [];
    private byte[] _readResponse = [];

    [GlobalSetup]
    public void Setup()
    {
        MessageTypes.EnsureRegistered();
        var buffer = new ArrayBufferWriter<byte>();
        new DataValue(Variant.From(1234.5), default, DateTime.UtcNow, DateTime.UtcNow).Encode(new UaBinaryWriter(buffer));
        _doubleValue = buffer.WrittenSpan.ToArray();

        var response = new ArrayBufferWriter<byte>();
        var values = Enumerable.Range(0, 5000).Select(i => new DataValue(Variant.From(i * 0.5), default, DateTime.UtcNow, DateTime.UtcNow)).ToArray();
        MessageTypes.Encode(new UaBinaryWriter(response), new ReadResponse { Results = values });
        _readResponse = response.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true)]
    public double RawPrimitives()
    {
        // The same 26 bytes read as mask, type, double and two timestamps without any OPC UA logic.
        var reader = new UaBinaryReader(_doubleValue);
        reader.ReadByte();
        reader.ReadByte();
        var value = reader.ReadDouble();
        reader.ReadInt64();
        reader.ReadInt64();
        return value;
    }

    [Benchmark]
    public double DoubleDataValue()
    {
        var reader = new UaBinaryReader(_doubleValue);
        reader.ReadDataValue().Value.TryGetDouble(out var value);
        return value;
    }

    [Benchmark(OperationsPerInvoke = 5000)]
    public int ReadResponseOf5000Doubles()
    {
        var reader = new UaBinaryReader(_readResponse);
        return ((ReadResponse)MessageTypes.Decode(ref reader)).Results!.Length;
    }
}
