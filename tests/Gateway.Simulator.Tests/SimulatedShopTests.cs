using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Tests;

/// <summary>The shop model on its own: layout, reproducibility and realistic movement.</summary>
public sealed class SimulatedShopTests
{
    private static SimulatedShop Shop(SimulatorOptions options) => new(options, new UaAddressSpace(SimulatorServer.ApplicationUri));

    private static Dictionary<string, object?> Snapshot(SimulatedShop shop) =>
        shop.Tags.ToDictionary(t => t.NodeId, t => ((VariableNode)shop.AddressSpace.Find(NodeId.Parse(t.NodeId))!).Value.Value.Value);

    [Fact]
    public void MachinesAndTagsFollowTheDocumentedLayout()
    {
        var shop = Shop(new SimulatorOptions { Machines = 5, TagsPerMachine = 50 });
        Assert.Equal(["cnc-01", "cnc-02", "press-01", "mould-01", "cnc-03"], shop.Machines.Select(m => m.Name));
        Assert.Equal(2, shop.NamespaceIndex);
        Assert.Equal(250, shop.Tags.Count);
        Assert.All(shop.Tags, t => Assert.Equal($"ns=2;s={t.Path}", t.NodeId));

        var speed = shop.Tags.Single(t => t.Path == "cnc-01/Spindle/Speed");
        Assert.Equal(("Double", "rpm", "cnc"), (speed.DataType, speed.Unit, speed.MachineKind));
        Assert.Contains(shop.Tags, t => t.Path == "press-01/Ram/Force" && t.Unit == "kN");
        Assert.Contains(shop.Tags, t => t.Path == "mould-01/Barrel/Zone3/Temperature" && t.Unit == "°C");
        Assert.Contains(shop.Tags, t => t.Path == "cnc-03/Generated/Tag00031" && t.DataType == "Double");
        Assert.Equal("nsu=urn:changwon-gateway:simulator;s=cnc-01/Spindle/Speed", speed.ExpandedNodeId);

        // The folder tree: Objects/cnc-01/Spindle/Speed.
        var folder = shop.AddressSpace.Find(new NodeId(2, "cnc-01/Spindle"))!;
        Assert.Contains(folder.References, r => r.IsForward && r.TargetId == new NodeId(2, "cnc-01/Spindle/Speed"));
        Assert.Contains(shop.AddressSpace.Find(StandardIds.ObjectsFolder)!.References, r => r.TargetId == new NodeId(2, "cnc-01"));

        Assert.Equal(shop.Tags.Select(t => t.NodeId), SimulatorServer.DescribeTags(new SimulatorOptions { Machines = 5, TagsPerMachine = 50 }).Select(t => t.NodeId));
    }

    [Fact]
    public void TheSameSeedReplaysTheSameValuesAndAnotherSeedDoesNot()
    {
        var options = new SimulatorOptions { Machines = 4, TagsPerMachine = 40, RateMs = 500, Seed = 42 };
        var a = Shop(options);
        var b = Shop(options);
        var c = Shop(options with { Seed = 43 });
        var now = DateTime.UtcNow;
        for (var i = 0; i < 300; i++)
        {
            a.Step(now);
            b.Step(now);
            c.Step(now);
        }

        Assert.Equal(Snapshot(a), Snapshot(b));
        Assert.NotEqual(Snapshot(a), Snapshot(c));
    }

    [Fact]
    public void ACncCyclesThroughEveryStateAndMovesLikeAMachine()
    {
        var shop = Shop(new SimulatorOptions { Machines = 1, RateMs = 1000, Seed = 5 });
        var space = shop.AddressSpace;
        VariableNode Node(string path) => (VariableNode)space.Find(new NodeId(2, "cnc-01/" + path))!;
        var states = new HashSet<string>();
        var previousSpeed = 0.0;
        var maxJump = 0.0;
        var sawAlarmText = false;
        var parts = 0;
        for (var i = 0; i < 20_000; i++)
        {
            shop.Step(DateTime.UtcNow);
            var state = (string)Node("Status/Execution").Value.Value.Value!;
            states.Add(state);
            var speed = (double)Node("Spindle/Speed").Value.Value.Value!;
            maxJump = Math.Max(maxJump, Math.Abs(speed - previousSpeed));
            previousSpeed = speed;
            if (state == "ALARM")
            {
                sawAlarmText |= ((string)Node("Alarm/Text").Value.Value.Value!).Length > 0 && (int)Node("Alarm/Number").Value.Value.Value! > 0;
            }
            else
            {
                Assert.Equal(0, Node("Alarm/Number").Value.Value.Value);
            }

            var count = (int)Node("Program/PartCount").Value.Value.Value!;
            Assert.True(count >= parts, "the part count never goes back");
            parts = count;
        }

        Assert.Equal(["ALARM", "IDLE", "RUNNING", "STOPPED"], states.Order(StringComparer.Ordinal));
        Assert.True(sawAlarmText);
        Assert.True(parts > 100, $"{parts} parts in 20,000 s");
        // The spindle ramps (time constant 2 s): never a jump from 0 to full speed in one second.
        Assert.InRange(maxJump, 100, 6000);
    }

    [Fact]
    public void PlcCellsCountCyclesAndPartsAndSettleTemperatures()
    {
        var shop = Shop(new SimulatorOptions { Machines = 4, RateMs = 1000, Seed = 9 });
        var space = shop.AddressSpace;
        object? Value(string path) => ((VariableNode)space.Find(new NodeId(2, path))!).Value.Value.Value;
        for (var i = 0; i < 3600; i++)
        {
            shop.Step(DateTime.UtcNow);
        }

        var cycles = (int)Value("press-01/Cycle/Counter")!;
        Assert.InRange(cycles, 300, 700); // about a stroke every 6 s, minus stops
        Assert.Equal(cycles, (int)Value("press-01/Parts/Good")! + (int)Value("press-01/Parts/Reject")!);
        Assert.InRange((double)Value("press-01/Cycle/Time")!, 5.5, 7.0);
        Assert.InRange((double)Value("mould-01/Barrel/Zone1/Temperature")!, 55, 225);
        Assert.InRange((double)Value("mould-01/Cycle/Time")!, 28, 32);
    }

    [Fact]
    public void BadOptionsAreRefusedWithTheOptionAndTheFix()
    {
        var problems = new SimulatorOptions { Machines = 0, TagsPerMachine = 2_000_000, RateMs = 1, Port = 70000, Bind = "localhost" }.Validate();
        Assert.Contains(problems, p => p.StartsWith("machines: 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("rate-ms: 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("port: 70000", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("bind: 'localhost'", StringComparison.Ordinal));
        var tooMany = new SimulatorOptions { Machines = 20, TagsPerMachine = 60_000 }.Validate();
        Assert.Contains("over 1,000,000 tags", Assert.Single(tooMany), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Shop(new SimulatorOptions { Machines = -1 }));
    }
}
