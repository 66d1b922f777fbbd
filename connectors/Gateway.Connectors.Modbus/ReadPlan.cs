using Gateway.Core;
using Gateway.Modbus;

namespace Gateway.Connectors.Modbus;

/// <summary>One tag as the Modbus connector reads it: the source tag with its address resolved and its defaults applied.</summary>
public sealed record ModbusTag(SourceTag Source, RegisterAddress Address, byte Unit, ModbusValueType Type, ByteOrder Order, int? Bit, int Count)
{
    /// <summary>The address just past the tag's last register or bit.</summary>
    public int End => Address.Offset + Count;

    public static ModbusTag From(SourceTag tag, ModbusSourceOptions source)
    {
        var written = (ModbusTagAddress)tag.Address;
        var address = RegisterAddress.Parse(written.Register);
        var type = address.IsBit || written.Bit is not null ? ModbusValueType.Bool
            : written.Type is { } name ? ModbusValueDecoder.TypeNames[name]
            : ModbusValueType.UInt16;
        var count = address.IsBit || written.Bit is not null ? 1 : ModbusValueDecoder.RegistersOf(type, written.Length ?? 1);
        var unit = written.Unit ?? (tag.GroupOptions as ModbusGroupOptions)?.Unit ?? source.Unit;
        return new ModbusTag(tag, address, (byte)unit, type, written.ByteOrder ?? source.ByteOrder, written.Bit, count);
    }
}

/// <summary>One request: a range of one table of one unit, and the tags it serves.</summary>
public sealed record ReadBlock(byte Unit, ModbusTable Table, int Start, int Count, IReadOnlyList<ModbusTag> Tags)
{
    public ModbusFunction Function => new RegisterAddress(Table, Start).Function;

    /// <summary>The block as requests of one tag each (what a block that failed is split into, once).</summary>
    public IEnumerable<ReadBlock> Split() => Tags.Select(t => new ReadBlock(Unit, Table, t.Address.Offset, t.Count, [t]));

    public override string ToString() => $"unit {Unit} {RegisterAddress.TableName(Table)}:{Start}..{Start + Count - 1}";
}

/// <summary>
/// Coalescing: the tags of a poll group in as few requests as the limits allow. Per unit and table, sorted by address,
/// a tag joins the current request when the unused addresses before it are at most <c>maxGap</c> and the request
/// stays within the per-request maximum (125 registers or 2000 bits by the protocol, fewer if the device says so).
/// </summary>
public static class ReadPlanner
{
    public static List<ReadBlock> Plan(IEnumerable<ModbusTag> tags, int maxRegisters, int maxBits, int maxGap)
    {
        var blocks = new List<ReadBlock>();
        foreach (var table in tags.GroupBy(t => (t.Unit, t.Address.Table)).OrderBy(g => g.Key.Unit).ThenBy(g => g.Key.Table))
        {
            var max = table.Key.Table is ModbusTable.Coil or ModbusTable.DiscreteInput ? maxBits : maxRegisters;
            var current = new List<ModbusTag>();
            int start = 0, end = 0;
            foreach (var tag in table.OrderBy(t => t.Address.Offset).ThenBy(t => t.End))
            {
                if (current.Count > 0 && tag.Address.Offset - end <= maxGap && Math.Max(end, tag.End) - start <= max)
                {
                    current.Add(tag);
                    end = Math.Max(end, tag.End);
                    continue;
                }

                if (current.Count > 0)
                {
                    blocks.Add(new ReadBlock(table.Key.Unit, table.Key.Table, start, end - start, current));
                }

                current = [tag];
                start = tag.Address.Offset;
                end = tag.End;
            }

            if (current.Count > 0)
            {
                blocks.Add(new ReadBlock(table.Key.Unit, table.Key.Table, start, end - start, current));
            }
        }

        return blocks;
    }
}
