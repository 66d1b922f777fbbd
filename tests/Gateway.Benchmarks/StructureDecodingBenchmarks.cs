using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Benchmarks;

/// <summary>
/// Run-time structure decoding (issue 20) against the generated codec of a type of the same shape, in the same run:
/// the same bytes decoded by the generated class and by <see cref="StructureDecoder"/> with a layout that describes it
/// as a server's DataTypeDefinition would. BrowsePath: a NodeId, a nested RelativePath holding an array of 3
/// RelativePathElement structures; EUInformation: a String, an Int32, two LocalizedTexts. The ratio column is
/// run-time / generated. Run: dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *StructureDecoding*
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class StructureDecodingBenchmarks
{
    private byte[] _browsePath = [];
    private byte[] _units = [];
    private StructureLayout _browsePathLayout = null!;
    private StructureLayout _unitsLayout = null!;

    [GlobalSetup]
    public void Setup()
    {
        var path = new BrowsePath
        {
            StartingNode = new NodeId(2, "Machine.Spindle"),
            RelativePath = new RelativePath
            {
                Elements =
                [
                    new RelativePathElement { ReferenceTypeId = new NodeId(0, 47u), TargetName = new QualifiedName(2, "Spindle") },
                    new RelativePathElement { ReferenceTypeId = new NodeId(0, 47u), IncludeSubtypes = true, TargetName = new QualifiedName(2, "Speed") },
                    new RelativePathElement { ReferenceTypeId = new NodeId(0, 46u), IsInverse = true, TargetName = new QualifiedName(0, "EngineeringUnits") },
                ],
            },
        };
        _browsePath = Encode(path);
        _units = Encode(new EUInformation { UnitId = 4408652, DisplayName = new LocalizedText("°C"), Description = new LocalizedText("degree Celsius") });

        var element = new StructureLayout(new NodeId(0, 537u), "RelativePathElement", StructureLayoutKind.Structure)
        {
            Fields =
            [
                new FieldLayout("ReferenceTypeId", BuiltInType.NodeId),
                new FieldLayout("IsInverse", BuiltInType.Boolean),
                new FieldLayout("IncludeSubtypes", BuiltInType.Boolean),
                new FieldLayout("TargetName", BuiltInType.QualifiedName),
            ],
        };
        var relative = new StructureLayout(new NodeId(0, 540u), "RelativePath", StructureLayoutKind.Structure)
        {
            Fields = [FieldLayout.OfStructure("Elements", element, valueRank: 1)],
        };
        _browsePathLayout = new StructureLayout(new NodeId(0, 543u), "BrowsePath", StructureLayoutKind.Structure)
        {
            Fields = [new FieldLayout("StartingNode", BuiltInType.NodeId), FieldLayout.OfStructure("RelativePath", relative)],
        };
        _unitsLayout = new StructureLayout(new NodeId(0, 887u), "EUInformation", StructureLayoutKind.Structure)
        {
            Fields =
            [
                new FieldLayout("NamespaceUri", BuiltInType.String),
                new FieldLayout("UnitId", BuiltInType.Int32),
                new FieldLayout("DisplayName", BuiltInType.LocalizedText),
                new FieldLayout("Description", BuiltInType.LocalizedText),
            ],
        };

        // The two decoders must agree before they are timed.
        var decoded = StructureDecoder.Decode(_browsePath, _browsePathLayout);
        if (((StructureValue)decoded["RelativePath"]!)["Elements"] is not StructureValue[] { Length: 3 })
        {
            throw new InvalidOperationException("the run-time layout does not decode the generated encoding: " + decoded.ToJson());
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("BrowsePath")]
    public int BrowsePathGenerated()
    {
        var reader = new UaBinaryReader(_browsePath);
        var path = new BrowsePath();
        path.Decode(ref reader);
        return path.RelativePath.Elements!.Length;
    }

    [Benchmark]
    [BenchmarkCategory("BrowsePath")]
    public int BrowsePathRunTime() => StructureDecoder.Decode(_browsePath, _browsePathLayout).Fields.Count;

    [Benchmark]
    [BenchmarkCategory("BrowsePath")]
    public int BrowsePathRunTimeToJson() => StructureDecoder.Decode(_browsePath, _browsePathLayout).ToJson().Length;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("EUInformation")]
    public int EUInformationGenerated()
    {
        var reader = new UaBinaryReader(_units);
        var units = new EUInformation();
        units.Decode(ref reader);
        return units.UnitId;
    }

    [Benchmark]
    [BenchmarkCategory("EUInformation")]
    public int EUInformationRunTime() => StructureDecoder.Decode(_units, _unitsLayout).Fields.Count;

    private static byte[] Encode(IEncodeable value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        value.Encode(new UaBinaryWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }
}
