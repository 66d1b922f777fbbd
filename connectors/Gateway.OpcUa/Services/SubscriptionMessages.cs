using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

public readonly record struct MonitoredItemNotification(uint ClientHandle, DataValue Value);

/// <summary>
/// Part 4, 7.25.2. Written by hand: its items are value types, so a 10,000-item publish decodes into one array (the
/// encoding id and the ExtensionObject table entry are generated, see wire-vocabulary.txt).
/// </summary>
public sealed partial class DataChangeNotification
{
    public MonitoredItemNotification[]? MonitoredItems { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteArray(MonitoredItems, static (w, n) =>
        {
            w.WriteUInt32(n.ClientHandle);
            n.Value.Encode(w);
        });
        writer.WriteArray(DiagnosticInfos, static (w, d) => DiagnosticInfo.Encode(w, d));
    }

    public void Decode(ref UaBinaryReader reader)
    {
        MonitoredItems = reader.ReadArray(static (ref UaBinaryReader r) => new MonitoredItemNotification(r.ReadUInt32(), r.ReadDataValue()), 5);
        DiagnosticInfos = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadDiagnosticInfo(), 1);
    }
}
