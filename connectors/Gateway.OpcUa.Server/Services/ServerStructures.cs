using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Services;

/// <summary>Part 5, 12.4: the product the server reports in ServerStatus.BuildInfo.</summary>
public sealed class BuildInfo : IServiceMessage
{
    public uint BinaryEncodingId => 340;

    public string? ProductUri { get; set; }

    public string? ManufacturerName { get; set; }

    public string? ProductName { get; set; }

    public string? SoftwareVersion { get; set; }

    public string? BuildNumber { get; set; }

    public DateTime BuildDate { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(ProductUri);
        writer.WriteString(ManufacturerName);
        writer.WriteString(ProductName);
        writer.WriteString(SoftwareVersion);
        writer.WriteString(BuildNumber);
        writer.WriteDateTime(BuildDate);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ProductUri = reader.ReadString();
        ManufacturerName = reader.ReadString();
        ProductName = reader.ReadString();
        SoftwareVersion = reader.ReadString();
        BuildNumber = reader.ReadString();
        BuildDate = reader.ReadDateTime();
    }
}

/// <summary>Part 5, 12.10: the value of Server/ServerStatus (i=2256).</summary>
public sealed class ServerStatusDataType : IServiceMessage
{
    public uint BinaryEncodingId => 864;

    public DateTime StartTime { get; set; }

    public DateTime CurrentTime { get; set; }

    /// <summary>Part 5, 12.6 ServerState: 0 Running, 1 Failed, 2 NoConfiguration, 3 Suspended, 4 Shutdown.</summary>
    public int State { get; set; }

    public BuildInfo BuildInfo { get; set; } = new();

    public uint SecondsTillShutdown { get; set; }

    public LocalizedText ShutdownReason { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteDateTime(StartTime);
        writer.WriteDateTime(CurrentTime);
        writer.WriteInt32(State);
        BuildInfo.Encode(writer);
        writer.WriteUInt32(SecondsTillShutdown);
        writer.WriteLocalizedText(ShutdownReason);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StartTime = reader.ReadDateTime();
        CurrentTime = reader.ReadDateTime();
        State = reader.ReadInt32();
        BuildInfo = reader.ReadEncodeable<BuildInfo>();
        SecondsTillShutdown = reader.ReadUInt32();
        ShutdownReason = reader.ReadLocalizedText();
    }
}

/// <summary>Part 8, 5.6.2: the EURange property of an analog item.</summary>
public sealed class Range : IServiceMessage
{
    public uint BinaryEncodingId => 886;

    public double Low { get; set; }

    public double High { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteDouble(Low);
        writer.WriteDouble(High);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        Low = reader.ReadDouble();
        High = reader.ReadDouble();
    }
}
