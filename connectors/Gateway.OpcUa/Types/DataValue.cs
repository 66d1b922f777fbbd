using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Types;

/// <summary>A value with its status and timestamps (Part 4, 7.11; encoding Part 6, 5.2.2.17).</summary>
public readonly record struct DataValue(
    Variant Value,
    StatusCode Status = default,
    DateTime SourceTimestamp = default,
    DateTime ServerTimestamp = default,
    ushort SourcePicoseconds = 0,
    ushort ServerPicoseconds = 0)
{
    public void Encode(UaBinaryWriter writer)
    {
        byte mask = 0;
        if (!Value.IsNull)
        {
            mask |= 0x01;
        }

        if (Status.Code != 0)
        {
            mask |= 0x02;
        }

        if (SourceTimestamp != default)
        {
            mask |= 0x04;
        }

        if (ServerTimestamp != default)
        {
            mask |= 0x08;
        }

        if (SourcePicoseconds != 0)
        {
            mask |= 0x10;
        }

        if (ServerPicoseconds != 0)
        {
            mask |= 0x20;
        }

        writer.WriteByte(mask);
        if ((mask & 0x01) != 0)
        {
            Value.Encode(writer);
        }

        if ((mask & 0x02) != 0)
        {
            writer.WriteUInt32(Status.Code);
        }

        if ((mask & 0x04) != 0)
        {
            writer.WriteDateTime(SourceTimestamp);
        }

        if ((mask & 0x10) != 0)
        {
            writer.WriteUInt16(SourcePicoseconds);
        }

        if ((mask & 0x08) != 0)
        {
            writer.WriteDateTime(ServerTimestamp);
        }

        if ((mask & 0x20) != 0)
        {
            writer.WriteUInt16(ServerPicoseconds);
        }
    }

    public static DataValue Decode(ref UaBinaryReader reader)
    {
        var mask = reader.ReadByte();
        var value = (mask & 0x01) != 0 ? reader.ReadVariant() : Variant.Null;
        var status = (mask & 0x02) != 0 ? reader.ReadStatusCode() : default;
        var sourceTime = (mask & 0x04) != 0 ? reader.ReadDateTime() : default;
        var sourcePico = (mask & 0x10) != 0 ? reader.ReadUInt16() : (ushort)0;
        var serverTime = (mask & 0x08) != 0 ? reader.ReadDateTime() : default;
        var serverPico = (mask & 0x20) != 0 ? reader.ReadUInt16() : (ushort)0;
        return new DataValue(value, status, sourceTime, serverTime, sourcePico, serverPico);
    }
}
