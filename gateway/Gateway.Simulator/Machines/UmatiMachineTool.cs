using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Machines;

/// <summary>
/// One CNC of the shop also modelled per OPC 40501 (umati, MachineTool): Objects/Machines/MachineTool-NAME, an instance
/// of MachineToolType with Identification, Monitoring (MachineTool with OperationMode, FeedOverride, PowerOnDuration
/// and MachineryItemState; Channel_1 and Spindle_1), Production (ActiveProgram with its Name and State, Statistics
/// with PartsProducedInLifetime) and Notification/Messages. Its values follow the CNC's state machine each tick (read
/// from the CNC's own nodes, so the CNC model is unchanged). Type ids and browse names are those of
/// Opc.Ua.MachineTool.NodeSet2.xml and Opc.Ua.Machinery.NodeSet2.xml (checked against the files by UmatiMachineToolTests).
/// Only the type nodes the instance uses are defined, as subtypes of BaseObjectType (not their full declarations).
/// </summary>
public sealed class UmatiMachineTool
{
    public const string DiUri = "http://opcfoundation.org/UA/DI/";
    public const string MachineryUri = "http://opcfoundation.org/UA/Machinery/";
    public const string MachineToolUri = "http://opcfoundation.org/UA/MachineTool/";

    /// <summary>The MachineTool ObjectTypes used, by their numeric ids in Opc.Ua.MachineTool.NodeIds.csv.</summary>
    public static readonly IReadOnlyDictionary<string, uint> MachineToolTypes = new Dictionary<string, uint>
    {
        ["MachineToolType"] = 13,
        ["MonitoringType"] = 14,
        ["MachineOperationMonitoringType"] = 26,
        ["ChannelMonitoringType"] = 16,
        ["SpindleMonitoringType"] = 22,
        ["ProductionType"] = 21,
        ["ProductionActiveProgramType"] = 32,
        ["ProductionProgramStateMachineType"] = 15,
        ["ProductionStatisticsType"] = 20,
        ["NotificationType"] = 7,
        ["MessagesType"] = 38,
        ["MachineToolIdentificationType"] = 11,
    };

    /// <summary>Machinery's Machines folder and MachineryItemState_StateMachineType (Opc.Ua.Machinery.NodeIds.csv).</summary>
    public const uint MachinesFolder = 1001;
    public const uint MachineryItemStateType = 1002;

    private readonly VariableNode _operationMode, _feedOverride, _powerOn, _itemState;
    private readonly VariableNode _channelState, _channelMode, _channelFeed, _spindleOverride, _spindleRotating;
    private readonly VariableNode _programName, _programState, _parts;
    private readonly VariableNode _sourceMode, _sourceExecution, _sourceSpindleOverride, _sourceFeedOverride, _sourceProgram, _sourceParts, _sourceSpeed;
    private double _powerOnSeconds;

    /// <param name="cnc">The CNC the machine tool mirrors (its nodes must be in <paramref name="space"/> already).</param>
    public UmatiMachineTool(UaAddressSpace space, ushort shopNamespace, SimulatedMachine cnc)
    {
        var di = space.RegisterNamespace(DiUri);
        var machinery = space.RegisterNamespace(MachineryUri);
        var mt = space.RegisterNamespace(MachineToolUri);
        foreach (var (name, id) in MachineToolTypes)
        {
            AddObjectType(space, new NodeId(mt, id), new QualifiedName(mt, name));
        }

        AddObjectType(space, new NodeId(machinery, MachineryItemStateType), new QualifiedName(machinery, "MachineryItemState_StateMachineType"));
        NodeId Type(string name) => new(mt, MachineToolTypes[name]);

        VariableNode Source(string path) => (VariableNode)(space.Find(new NodeId(shopNamespace, $"{cnc.Name}/{path}"))
            ?? throw new InvalidOperationException($"the simulator has no node {cnc.Name}/{path} for the OPC 40501 machine tool"));
        _sourceMode = Source("Status/Mode");
        _sourceExecution = Source("Status/Execution");
        _sourceSpindleOverride = Source("Spindle/Override");
        _sourceFeedOverride = Source("Feed/Override");
        _sourceProgram = Source("Program/Number");
        _sourceParts = Source("Program/PartCount");
        _sourceSpeed = Source("Spindle/Speed");

        Name = "MachineTool-" + cnc.Name;
        var root = $"{Name}";
        NodeId Id(string path) => new(shopNamespace, $"umati/{root}/{path}");
        var machines = new NodeId(machinery, MachinesFolder);
        space.AddFolder(StandardIds.ObjectsFolder, machines, new QualifiedName(machinery, "Machines"));
        var instance = space.AddObject(machines, Id(""), new QualifiedName(shopNamespace, Name), Name, StandardIds.Organizes, Type("MachineToolType"));
        InstanceId = instance.NodeId;

        var identification = space.AddObject(instance.NodeId, Id("Identification"), new QualifiedName(di, "Identification"), null, null, Type("MachineToolIdentificationType"));
        Constant(space, identification.NodeId, Id("Identification/Manufacturer"), new QualifiedName(di, "Manufacturer"), StandardIds.LocalizedText, LocalizedTextValue(("Changwon Machine Works")));
        Constant(space, identification.NodeId, Id("Identification/SerialNumber"), new QualifiedName(di, "SerialNumber"), StandardIds.String, Variant.From("SIM-" + cnc.Name));
        Constant(space, identification.NodeId, Id("Identification/ProductInstanceUri"), new QualifiedName(di, "ProductInstanceUri"), StandardIds.String, Variant.From($"urn:changwon-gateway:simulator:{cnc.Name}"));

        var monitoring = space.AddObject(instance.NodeId, Id("Monitoring"), new QualifiedName(mt, "Monitoring"), null, null, Type("MonitoringType"));
        var machineTool = space.AddObject(monitoring.NodeId, Id("Monitoring/MachineTool"), new QualifiedName(mt, "MachineTool"), null, null, Type("MachineOperationMonitoringType"));
        _operationMode = Variable(space, machineTool.NodeId, Id("Monitoring/MachineTool/OperationMode"), new QualifiedName(mt, "OperationMode"), new NodeId(mt, 65u));
        _feedOverride = Variable(space, machineTool.NodeId, Id("Monitoring/MachineTool/FeedOverride"), new QualifiedName(mt, "FeedOverride"), StandardIds.Double);
        _powerOn = Variable(space, machineTool.NodeId, Id("Monitoring/MachineTool/PowerOnDuration"), new QualifiedName(mt, "PowerOnDuration"), StandardIds.UInt32);
        var itemState = space.AddObject(machineTool.NodeId, Id("Monitoring/MachineTool/MachineryItemState"), new QualifiedName(machinery, "MachineryItemState"), null, null, new NodeId(machinery, MachineryItemStateType));
        _itemState = Variable(space, itemState.NodeId, Id("Monitoring/MachineTool/MachineryItemState/CurrentState"), new QualifiedName(0, "CurrentState"), StandardIds.LocalizedText);

        var channel = space.AddObject(monitoring.NodeId, Id("Monitoring/Channel_1"), new QualifiedName(shopNamespace, "Channel_1"), null, null, Type("ChannelMonitoringType"));
        Constant(space, channel.NodeId, Id("Monitoring/Channel_1/Name"), new QualifiedName(mt, "Name"), StandardIds.String, Variant.From("Channel 1"));
        _channelState = Variable(space, channel.NodeId, Id("Monitoring/Channel_1/ChannelState"), new QualifiedName(mt, "ChannelState"), new NodeId(mt, 64u));
        _channelMode = Variable(space, channel.NodeId, Id("Monitoring/Channel_1/ChannelMode"), new QualifiedName(mt, "ChannelMode"), new NodeId(mt, 67u));
        _channelFeed = Variable(space, channel.NodeId, Id("Monitoring/Channel_1/FeedOverride"), new QualifiedName(mt, "FeedOverride"), StandardIds.Double);
        var spindle = space.AddObject(monitoring.NodeId, Id("Monitoring/Spindle_1"), new QualifiedName(shopNamespace, "Spindle_1"), null, null, Type("SpindleMonitoringType"));
        Constant(space, spindle.NodeId, Id("Monitoring/Spindle_1/Name"), new QualifiedName(mt, "Name"), StandardIds.String, Variant.From("Main spindle"));
        _spindleOverride = Variable(space, spindle.NodeId, Id("Monitoring/Spindle_1/Override"), new QualifiedName(mt, "Override"), StandardIds.Double);
        _spindleRotating = Variable(space, spindle.NodeId, Id("Monitoring/Spindle_1/IsRotating"), new QualifiedName(mt, "IsRotating"), StandardIds.Boolean);

        var production = space.AddObject(instance.NodeId, Id("Production"), new QualifiedName(mt, "Production"), null, null, Type("ProductionType"));
        var program = space.AddObject(production.NodeId, Id("Production/ActiveProgram"), new QualifiedName(mt, "ActiveProgram"), null, null, Type("ProductionActiveProgramType"));
        _programName = Variable(space, program.NodeId, Id("Production/ActiveProgram/Name"), new QualifiedName(mt, "Name"), StandardIds.String);
        Constant(space, program.NodeId, Id("Production/ActiveProgram/NumberInList"), new QualifiedName(0, "NumberInList"), StandardIds.UInt16, Variant.From((ushort)0));
        var state = space.AddObject(program.NodeId, Id("Production/ActiveProgram/State"), new QualifiedName(mt, "State"), null, null, Type("ProductionProgramStateMachineType"));
        _programState = Variable(space, state.NodeId, Id("Production/ActiveProgram/State/CurrentState"), new QualifiedName(0, "CurrentState"), StandardIds.LocalizedText);
        var statistics = space.AddObject(production.NodeId, Id("Production/Statistics"), new QualifiedName(mt, "Statistics"), null, null, Type("ProductionStatisticsType"));
        _parts = Variable(space, statistics.NodeId, Id("Production/Statistics/PartsProducedInLifetime"), new QualifiedName(mt, "PartsProducedInLifetime"), StandardIds.UInt32);

        var notification = space.AddObject(instance.NodeId, Id("Notification"), new QualifiedName(mt, "Notification"), null, null, Type("NotificationType"));
        space.AddObject(notification.NodeId, Id("Notification/Messages"), new QualifiedName(mt, "Messages"), null, null, Type("MessagesType"));
    }

    /// <summary>The instance's browse name, e.g. MachineTool-cnc-01.</summary>
    public string Name { get; }

    public NodeId InstanceId { get; }

    /// <summary>Copies the CNC's state into the 40501 variables (after the CNC stepped).</summary>
    public void Step(double seconds, DateTime now)
    {
        var execution = _sourceExecution.Value.Value.Value as string ?? "STOPPED";
        var mode = _sourceMode.Value.Value.Value as string ?? "";
        _powerOnSeconds += seconds;

        // MachineOperationMode: Manual 0, Automatic 1, Setup 2 (FANUC MEM/SINUMERIK AUTO run automatically; EDIT is setup).
        var operationMode = mode is "MEM" or "AUTO" ? 1 : mode == "EDIT" ? 2 : 0;
        _operationMode.SetValue(Variant.From(operationMode), now);
        var feedOverride = Convert.ToDouble(_sourceFeedOverride.Value.Value.Value ?? 100, System.Globalization.CultureInfo.InvariantCulture);
        _feedOverride.SetValue(Variant.From(feedOverride), now);
        _channelFeed.SetValue(Variant.From(feedOverride), now);
        _powerOn.SetValue(Variant.From((uint)(_powerOnSeconds / 3600)), now);

        // Machinery item states: Executing, NotExecuting, OutOfService, NotAvailable.
        _itemState.SetValue(LocalizedTextValue((execution switch
        {
            "RUNNING" => "Executing",
            "ALARM" => "OutOfService",
            _ => "NotExecuting",
        })), now);

        // ChannelState: Active 0, Interrupted 1, Reset 2; ChannelMode: Automatic 0, MdaMdi 1, JogManual 2.
        _channelState.SetValue(Variant.From(execution switch { "RUNNING" => 0, "ALARM" => 1, _ => 2 }), now);
        _channelMode.SetValue(Variant.From(mode is "MEM" or "AUTO" ? 0 : mode is "MDI" or "MDA" ? 1 : 2), now);

        // ProductionProgramStateMachineType states: Initializing, Running, Interrupted, Ended, Aborted.
        _programState.SetValue(LocalizedTextValue((execution switch
        {
            "RUNNING" => "Running",
            "ALARM" => "Interrupted",
            "STOPPED" => "Aborted",
            _ => "Ended",
        })), now);
        _programName.SetValue(Variant.From($"O{_sourceProgram.Value.Value.Value}"), now);
        _parts.SetValue(Variant.From((uint)Convert.ToInt64(_sourceParts.Value.Value.Value ?? 0, System.Globalization.CultureInfo.InvariantCulture)), now);
        _spindleOverride.SetValue(Variant.From(Convert.ToDouble(_sourceSpindleOverride.Value.Value.Value ?? 100, System.Globalization.CultureInfo.InvariantCulture)), now);
        _spindleRotating.SetValue(Variant.From(Convert.ToDouble(_sourceSpeed.Value.Value.Value ?? 0.0, System.Globalization.CultureInfo.InvariantCulture) > 0.5), now);
    }

    private static Variant LocalizedTextValue(string text) => Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(text));

    private static void AddObjectType(UaAddressSpace space, NodeId id, QualifiedName name)
    {
        if (space.Find(id) is null)
        {
            space.Add(new TypeNode(Gateway.OpcUa.Services.NodeClass.ObjectType, id, name, new LocalizedText(name.Name)));
            space.AddReference(StandardIds.BaseObjectType, StandardIds.HasSubtype, id);
        }
    }

    // A state machine's CurrentState holds the state's name (Part 5, B.4); this address space has no FiniteStateVariableType, so it is a BaseDataVariable.
    private static VariableNode Variable(UaAddressSpace space, NodeId parent, NodeId id, QualifiedName name, NodeId dataType) =>
        space.AddVariable(parent, new VariableNode(id, name, new LocalizedText(name.Name), dataType));

    private static void Constant(UaAddressSpace space, NodeId parent, NodeId id, QualifiedName name, NodeId dataType, Variant value)
    {
        var node = Variable(space, parent, id, name, dataType);
        node.SetValue(value, space.StartTime);
    }
}
