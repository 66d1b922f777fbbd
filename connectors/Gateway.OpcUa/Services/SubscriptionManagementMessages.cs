using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

// Subscription management services (Part 4, 5.12 and 5.13): modify, publishing mode, transfer, monitoring mode.

/// <summary>Part 4, 5.13.3.</summary>
public sealed class ModifySubscriptionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 793;

    public uint SubscriptionId { get; set; }

    public double RequestedPublishingInterval { get; set; }

    public uint RequestedLifetimeCount { get; set; }

    public uint RequestedMaxKeepAliveCount { get; set; }

    public uint MaxNotificationsPerPublish { get; set; }

    public byte Priority { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteDouble(RequestedPublishingInterval);
        writer.WriteUInt32(RequestedLifetimeCount);
        writer.WriteUInt32(RequestedMaxKeepAliveCount);
        writer.WriteUInt32(MaxNotificationsPerPublish);
        writer.WriteByte(Priority);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        RequestedPublishingInterval = reader.ReadDouble();
        RequestedLifetimeCount = reader.ReadUInt32();
        RequestedMaxKeepAliveCount = reader.ReadUInt32();
        MaxNotificationsPerPublish = reader.ReadUInt32();
        Priority = reader.ReadByte();
    }
}

public sealed class ModifySubscriptionResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 796;

    public double RevisedPublishingInterval { get; set; }

    public uint RevisedLifetimeCount { get; set; }

    public uint RevisedMaxKeepAliveCount { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteDouble(RevisedPublishingInterval);
        writer.WriteUInt32(RevisedLifetimeCount);
        writer.WriteUInt32(RevisedMaxKeepAliveCount);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        RevisedPublishingInterval = reader.ReadDouble();
        RevisedLifetimeCount = reader.ReadUInt32();
        RevisedMaxKeepAliveCount = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 5.13.4.</summary>
public sealed class SetPublishingModeRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 799;

    public bool PublishingEnabled { get; set; }

    public uint[]? SubscriptionIds { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteBoolean(PublishingEnabled);
        writer.WriteArray(SubscriptionIds, static (w, v) => w.WriteUInt32(v));
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        PublishingEnabled = reader.ReadBoolean();
        SubscriptionIds = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadUInt32(), 4);
    }
}

public sealed class SetPublishingModeResponse : StatusResultsResponse
{
    public override uint BinaryEncodingId => 802;
}

/// <summary>Part 4, 5.13.7.</summary>
public sealed class TransferSubscriptionsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 841;

    public uint[]? SubscriptionIds { get; set; }

    public bool SendInitialValues { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteArray(SubscriptionIds, static (w, v) => w.WriteUInt32(v));
        writer.WriteBoolean(SendInitialValues);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionIds = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadUInt32(), 4);
        SendInitialValues = reader.ReadBoolean();
    }
}

/// <summary>Part 4, 5.13.7.2: one subscription's transfer outcome.</summary>
public sealed class TransferResult : IEncodeable
{
    public StatusCode StatusCode { get; set; }

    public uint[]? AvailableSequenceNumbers { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(StatusCode.Code);
        writer.WriteArray(AvailableSequenceNumbers, static (w, v) => w.WriteUInt32(v));
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StatusCode = reader.ReadStatusCode();
        AvailableSequenceNumbers = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadUInt32(), 4);
    }
}

public sealed class TransferSubscriptionsResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 844;

    public TransferResult[]? Results { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteInt32(-1); // DiagnosticInfos
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<TransferResult>();
        reader.ReadArray(static (ref UaBinaryReader r) => r.ReadDiagnosticInfo());
    }
}

/// <summary>Part 4, 5.12.3.2.</summary>
public sealed class MonitoredItemModifyRequest : IEncodeable
{
    public uint MonitoredItemId { get; set; }

    public MonitoringParameters RequestedParameters { get; set; } = new();

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(MonitoredItemId);
        RequestedParameters.Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        MonitoredItemId = reader.ReadUInt32();
        RequestedParameters = reader.ReadEncodeable<MonitoringParameters>();
    }
}

public sealed class MonitoredItemModifyResult : IEncodeable
{
    public StatusCode StatusCode { get; set; }

    public double RevisedSamplingInterval { get; set; }

    public uint RevisedQueueSize { get; set; }

    public ExtensionObject FilterResult { get; set; } = new(NodeId.Null, null);

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(StatusCode.Code);
        writer.WriteDouble(RevisedSamplingInterval);
        writer.WriteUInt32(RevisedQueueSize);
        FilterResult.Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StatusCode = reader.ReadStatusCode();
        RevisedSamplingInterval = reader.ReadDouble();
        RevisedQueueSize = reader.ReadUInt32();
        FilterResult = reader.ReadExtensionObject();
    }
}

/// <summary>Part 4, 5.12.3.</summary>
public sealed class ModifyMonitoredItemsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 763;

    public uint SubscriptionId { get; set; }

    public TimestampsToReturn TimestampsToReturn { get; set; }

    public MonitoredItemModifyRequest[]? ItemsToModify { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteInt32((int)TimestampsToReturn);
        writer.WriteEncodeableArray(ItemsToModify);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        TimestampsToReturn = (TimestampsToReturn)reader.ReadInt32();
        ItemsToModify = reader.ReadEncodeableArray<MonitoredItemModifyRequest>();
    }
}

public sealed class ModifyMonitoredItemsResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 766;

    public MonitoredItemModifyResult[]? Results { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteInt32(-1);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<MonitoredItemModifyResult>();
        reader.ReadArray(static (ref UaBinaryReader r) => r.ReadDiagnosticInfo());
    }
}

/// <summary>Part 4, 5.12.4.</summary>
public sealed class SetMonitoringModeRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 769;

    public uint SubscriptionId { get; set; }

    public MonitoringMode MonitoringMode { get; set; }

    public uint[]? MonitoredItemIds { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteInt32((int)MonitoringMode);
        writer.WriteArray(MonitoredItemIds, static (w, v) => w.WriteUInt32(v));
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        MonitoringMode = (MonitoringMode)reader.ReadInt32();
        MonitoredItemIds = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadUInt32(), 4);
    }
}

public sealed class SetMonitoringModeResponse : StatusResultsResponse
{
    public override uint BinaryEncodingId => 772;
}

/// <summary>Decodes requests: the ones above first, then everything the client stack knows.</summary>
