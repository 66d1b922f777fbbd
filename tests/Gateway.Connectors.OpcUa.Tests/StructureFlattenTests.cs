using Gateway.Core;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>`structure: flatten` names and `fields:` selection on a decoded structure (no server: the tree is built here).</summary>
public sealed class StructureFlattenTests
{
    private static StructureValue Cell()
    {
        var life = new StructureLayout(NodeId.Null, "ToolLife", StructureLayoutKind.Structure);
        var tool = new StructureLayout(NodeId.Null, "Tool", StructureLayoutKind.Structure);
        var cell = new StructureLayout(NodeId.Null, "Cell", StructureLayoutKind.Structure);
        StructureValue Tool(uint number, double used) => new(tool, [new("Number", Variant.From(number)), new("Life", new StructureValue(life, [new("Used", Variant.From(used)), new("Limit", Variant.From(90.0))]))]);
        return new StructureValue(cell,
        [
            new("Name", Variant.From("cell-1")),
            new("Mode", new EnumValue(2, "Auto")),
            new("Loads", Variant.FromArray(BuiltInType.Double, new[] { 1.5, 2.5 })),
            new("Tools", new[] { Tool(7, 12.5), Tool(8, 3) }),
        ]);
    }

    [Fact]
    public void Flatten_gives_one_reading_per_leaf_with_indexes_for_arrays_of_structures()
    {
        var leaves = StructureReadings.Flatten(Cell());

        Assert.Equal(
            ["Name", "Mode", "Loads", "Tools[0].Number", "Tools[0].Life.Used", "Tools[0].Life.Limit", "Tools[1].Number", "Tools[1].Life.Used", "Tools[1].Life.Limit"],
            leaves.Select(l => l.Path));
        var values = leaves.ToDictionary(l => l.Path, l => l.Value);
        Assert.Equal("cell-1", values["Name"].AsString());
        Assert.Equal("Auto", values["Mode"].AsString());
        Assert.Equal(ValueKind.DoubleArray, values["Loads"].Kind);
        Assert.Equal(8, values["Tools[1].Number"].AsInt64());
        Assert.Equal(12.5, values["Tools[0].Life.Used"].AsDouble());
    }

    [Fact]
    public void Fields_keep_the_named_paths_and_everything_below_them_in_every_element()
    {
        var fields = new FieldSelection(["Tools.Life.Used", "Mode"]);

        Assert.Equal(["Mode", "Tools[0].Life.Used", "Tools[1].Life.Used"], StructureReadings.Flatten(Cell(), fields).Select(l => l.Path));
        Assert.Equal("""{"Mode":"Auto","Tools":[{"Life":{"Used":12.5}},{"Life":{"Used":3}}]}""", StructureReadings.ToJson(Cell(), fields));
        Assert.Equal("""{"Tools":[{"Number":7,"Life":{"Used":12.5,"Limit":90}},{"Number":8,"Life":{"Used":3,"Limit":90}}]}""", StructureReadings.ToJson(Cell(), new FieldSelection(["Tools"])));
    }
}
