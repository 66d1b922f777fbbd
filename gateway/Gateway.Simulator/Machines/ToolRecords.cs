using System.Buffers;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Machines;

/// <summary>
/// A structured tag per CNC: the tool in the spindle as a ToolData structure (issue 20), with its DataType, encoding
/// and DataTypeDefinition in the address space so that any 1.04 client decodes it:
/// ToolData { Number: UInt32, Name: String, Life: ToolLife { Used, Limit: Double (minutes) }, WearHistory: Double[]
/// (wear in % at each tenth of the life used, newest last, at most 5), Comment?: String (optional, set past 80 %) }.
/// Node `{machine}/Tool`; types `Types/ToolData`, `Types/ToolLife`, encodings `Types/ToolData/Binary`, `Types/ToolLife/Binary`.
/// </summary>
public sealed class ToolRecords
{
    private const double LifeLimitMinutes = 45;
    private readonly List<Tool> _tools = [];

    public ToolRecords(UaAddressSpace space, ushort ns, IEnumerable<SimulatedMachine> machines)
    {
        DataTypeId = new NodeId(ns, "Types/ToolData");
        EncodingId = new NodeId(ns, "Types/ToolData/Binary");
        var lifeType = new NodeId(ns, "Types/ToolLife");
        space.AddStructureDataType(lifeType, new QualifiedName(ns, "ToolLife"), new NodeId(ns, "Types/ToolLife/Binary"), new StructureDefinition
        {
            StructureType = StructureType.Structure,
            Fields = [Field("Used", StandardIds.Double), Field("Limit", StandardIds.Double)],
        });
        space.AddStructureDataType(DataTypeId, new QualifiedName(ns, "ToolData"), EncodingId, new StructureDefinition
        {
            StructureType = StructureType.StructureWithOptionalFields,
            Fields =
            [
                Field("Number", StandardIds.UInt32),
                Field("Name", StandardIds.String),
                Field("Life", lifeType),
                Field("WearHistory", StandardIds.Double, valueRank: 1),
                Field("Comment", StandardIds.String, optional: true),
            ],
        });
        foreach (var machine in machines.Where(m => m is CncMachine))
        {
            var node = space.AddVariable(
                new NodeId(ns, machine.Name),
                new VariableNode(new NodeId(ns, machine.Name + "/Tool"), new QualifiedName(ns, "Tool"), new LocalizedText("Tool"), DataTypeId) { MinimumSamplingInterval = 100 });
            // Each machine starts at another point of its tool's life, so the shop does not change tools all at once.
            _tools.Add(new Tool(node, 100 + (uint)(machine.Index * 10)) { Used = (machine.Index * 7.3) % LifeLimitMinutes });
        }
    }

    public NodeId DataTypeId { get; }

    public NodeId EncodingId { get; }

    /// <summary>Wears every tool by <paramref name="seconds"/> of cutting; a worn-out tool is replaced by the next number.</summary>
    public void Step(double seconds, DateTime now)
    {
        foreach (var tool in _tools)
        {
            var before = (int)(tool.Used / LifeLimitMinutes * 10);
            tool.Used += seconds / 60;
            if (tool.Used >= LifeLimitMinutes)
            {
                tool.Number++;
                tool.Used = 0;
                tool.Wear.Clear();
            }
            else if ((int)(tool.Used / LifeLimitMinutes * 10) > before)
            {
                tool.Wear.Add(Math.Round(tool.Used / LifeLimitMinutes * 100, 1));
                if (tool.Wear.Count > 5)
                {
                    tool.Wear.RemoveAt(0);
                }
            }

            tool.Node.SetValue(Variant.FromObject(BuiltInType.ExtensionObject, new ExtensionObject(EncodingId, Encode(tool))), now);
        }
    }

    /// <summary>Part 6, 5.2.7: the encoding mask (bit 0: Comment), then the fields in order, ToolLife in line.</summary>
    private static byte[] Encode(Tool tool)
    {
        var comment = tool.Used / LifeLimitMinutes > 0.8 ? "replace soon" : null;
        var buffer = new ArrayBufferWriter<byte>(96);
        var writer = new UaBinaryWriter(buffer);
        writer.WriteUInt32(comment is null ? 0u : 1u);
        writer.WriteUInt32(tool.Number);
        writer.WriteString($"T{tool.Number} end mill 10 mm");
        writer.WriteDouble(Math.Round(tool.Used, 3));
        writer.WriteDouble(LifeLimitMinutes);
        writer.WriteArray(tool.Wear, static (w, v) => w.WriteDouble(v));
        if (comment is not null)
        {
            writer.WriteString(comment);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static StructureField Field(string name, NodeId dataType, int valueRank = -1, bool optional = false) =>
        new() { Name = name, DataType = dataType, ValueRank = valueRank, ArrayDimensions = valueRank == 1 ? [0u] : null, IsOptional = optional };

    private sealed class Tool(VariableNode node, uint number)
    {
        public VariableNode Node { get; } = node;

        public uint Number { get; set; } = number;

        public double Used { get; set; }

        public List<double> Wear { get; } = [];
    }
}
