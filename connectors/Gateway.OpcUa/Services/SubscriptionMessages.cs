using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

public enum MonitoringMode
{
    Disabled = 0,
    Sampling = 1,
    Reporting = 2,
}

public enum DataChangeTrigger
{
    Status = 0,
    StatusValue = 1,
    StatusValueTimestamp = 2,
}

public enum DeadbandType : uint
{
    None = 0,
    Absolute = 1,
    Percent = 2,
}

/// <summary>Part 4, 5.13.2.</summary>
public sealed class CreateSubscriptionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 787;

    public double RequestedPublishingInterval { get; set; } = 1000;

    public uint RequestedLifetimeCount { get; set; } = 60;

    public uint RequestedMaxKeepAliveCount { get; set; } = 10;

    public uint MaxNotificationsPerPublish { get; set; }

    public bool PublishingEnabled { get; set; } = true;

    public byte Priority { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteDouble(RequestedPublishingInterval);
        writer.WriteUInt32(RequestedLifetimeCount);
        writer.WriteUInt32(RequestedMaxKeepAliveCount);
        writer.WriteUInt32(MaxNotificationsPerPublish);
        writer.WriteBoolean(PublishingEnabled);
        writer.WriteByte(Priority);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        RequestedPublishingInterval = reader.ReadDouble();
        RequestedLifetimeCount = reader.ReadUInt32();
        RequestedMaxKeepAliveCount = reader.ReadUInt32();
        MaxNotificationsPerPublish = reader.ReadUInt32();
        PublishingEnabled = reader.ReadBoolean();
        Priority = reader.ReadByte();
    }
}

public sealed class CreateSubscriptionResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 790;

    public uint SubscriptionId { get; set; }

    public double RevisedPublishingInterval { get; set; }

    public uint RevisedLifetimeCount { get; set; }

    public uint RevisedMaxKeepAliveCount { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteDouble(RevisedPublishingInterval);
        writer.WriteUInt32(RevisedLifetimeCount);
        writer.WriteUInt32(RevisedMaxKeepAliveCount);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        RevisedPublishingInterval = reader.ReadDouble();
        RevisedLifetimeCount = reader.ReadUInt32();
        RevisedMaxKeepAliveCount = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 7.22.2: report a change of status, value (beyond a deadband) or timestamp.</summary>
public sealed class DataChangeFilter : IServiceMessage
{
    public uint BinaryEncodingId => 724;

    public DataChangeTrigger Trigger { get; set; } = DataChangeTrigger.StatusValue;

    public DeadbandType DeadbandType { get; set; }

    public double DeadbandValue { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteInt32((int)Trigger);
        writer.WriteUInt32((uint)DeadbandType);
        writer.WriteDouble(DeadbandValue);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        Trigger = (DataChangeTrigger)reader.ReadInt32();
        DeadbandType = (DeadbandType)reader.ReadUInt32();
        DeadbandValue = reader.ReadDouble();
    }
}

/// <summary>Part 4, 7.21.</summary>
public sealed class MonitoringParameters : IEncodeable
{
    public uint ClientHandle { get; set; }

    public double SamplingInterval { get; set; } = -1;

    public ExtensionObject Filter { get; set; } = new(NodeId.Null, null);

    public uint QueueSize { get; set; } = 1;

    public bool DiscardOldest { get; set; } = true;

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(ClientHandle);
        writer.WriteDouble(SamplingInterval);
        Filter.Encode(writer);
        writer.WriteUInt32(QueueSize);
        writer.WriteBoolean(DiscardOldest);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ClientHandle = reader.ReadUInt32();
        SamplingInterval = reader.ReadDouble();
        Filter = reader.ReadExtensionObject();
        QueueSize = reader.ReadUInt32();
        DiscardOldest = reader.ReadBoolean();
    }
}

public sealed class MonitoredItemCreateRequest : IEncodeable
{
    public ReadValueId ItemToMonitor { get; set; } = new();

    public MonitoringMode MonitoringMode { get; set; } = MonitoringMode.Reporting;

    public MonitoringParameters RequestedParameters { get; set; } = new();

    public void Encode(UaBinaryWriter writer)
    {
        ItemToMonitor.Encode(writer);
        writer.WriteInt32((int)MonitoringMode);
        RequestedParameters.Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ItemToMonitor = reader.ReadEncodeable<ReadValueId>();
        MonitoringMode = (MonitoringMode)reader.ReadInt32();
        RequestedParameters = reader.ReadEncodeable<MonitoringParameters>();
    }
}

public sealed class MonitoredItemCreateResult : IEncodeable
{
    public StatusCode StatusCode { get; set; }

    public uint MonitoredItemId { get; set; }

    public double RevisedSamplingInterval { get; set; }

    public uint RevisedQueueSize { get; set; }

    public ExtensionObject FilterResult { get; set; } = new(NodeId.Null, null);

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(StatusCode.Code);
        writer.WriteUInt32(MonitoredItemId);
        writer.WriteDouble(RevisedSamplingInterval);
        writer.WriteUInt32(RevisedQueueSize);
        FilterResult.Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StatusCode = reader.ReadStatusCode();
        MonitoredItemId = reader.ReadUInt32();
        RevisedSamplingInterval = reader.ReadDouble();
        RevisedQueueSize = reader.ReadUInt32();
        FilterResult = reader.ReadExtensionObject();
    }
}

/// <summary>Part 4, 5.12.2.</summary>
public sealed class CreateMonitoredItemsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 751;

    public uint SubscriptionId { get; set; }

    public TimestampsToReturn TimestampsToReturn { get; set; } = TimestampsToReturn.Both;

    public IReadOnlyList<MonitoredItemCreateRequest>? ItemsToCreate { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteInt32((int)TimestampsToReturn);
        writer.WriteEncodeableArray(ItemsToCreate);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        TimestampsToReturn = (TimestampsToReturn)reader.ReadInt32();
        ItemsToCreate = reader.ReadEncodeableArray<MonitoredItemCreateRequest>();
    }
}

public sealed class CreateMonitoredItemsResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 754;

    public MonitoredItemCreateResult[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<MonitoredItemCreateResult>();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 5.12.6.</summary>
public sealed class DeleteMonitoredItemsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 781;

    public uint SubscriptionId { get; set; }

    public IReadOnlyList<uint>? MonitoredItemIds { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteUInt32s(MonitoredItemIds);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        MonitoredItemIds = reader.ReadUInt32s();
    }
}

public sealed class DeleteMonitoredItemsResponse : StatusResultsResponse
{
    public override uint BinaryEncodingId => 784;
}

/// <summary>Part 4, 5.13.8.</summary>
public sealed class DeleteSubscriptionsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 847;

    public IReadOnlyList<uint>? SubscriptionIds { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer) => writer.WriteUInt32s(SubscriptionIds);

    protected override void DecodeBody(ref UaBinaryReader reader) => SubscriptionIds = reader.ReadUInt32s();
}

public sealed class DeleteSubscriptionsResponse : StatusResultsResponse
{
    public override uint BinaryEncodingId => 850;
}

/// <summary>A response whose body is one StatusCode per operation and their diagnostics.</summary>
public abstract class StatusResultsResponse : ServiceResponse
{
    public StatusCode[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteStatusCodes(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadStatusCodes();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

public sealed class SubscriptionAcknowledgement : IEncodeable
{
    public uint SubscriptionId { get; set; }

    public uint SequenceNumber { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteUInt32(SequenceNumber);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        SequenceNumber = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 7.24.</summary>
public sealed class NotificationMessage : IEncodeable
{
    public uint SequenceNumber { get; set; }

    public DateTime PublishTime { get; set; }

    public ExtensionObject[]? NotificationData { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SequenceNumber);
        writer.WriteDateTime(PublishTime);
        writer.WriteExtensionObjects(NotificationData);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        SequenceNumber = reader.ReadUInt32();
        PublishTime = reader.ReadDateTime();
        NotificationData = reader.ReadExtensionObjects();
    }
}

public readonly record struct MonitoredItemNotification(uint ClientHandle, DataValue Value);

/// <summary>Part 4, 7.25.2.</summary>
public sealed class DataChangeNotification : IServiceMessage
{
    public uint BinaryEncodingId => 811;

    public MonitoredItemNotification[]? MonitoredItems { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteArray(MonitoredItems, static (w, n) =>
        {
            w.WriteUInt32(n.ClientHandle);
            n.Value.Encode(w);
        });
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        MonitoredItems = reader.ReadArray(static (ref UaBinaryReader r) => new MonitoredItemNotification(r.ReadUInt32(), r.ReadDataValue()), 5);
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 7.25.4: the subscription changed state (e.g. timed out: BadTimeout).</summary>
public sealed class StatusChangeNotification : IServiceMessage
{
    public uint BinaryEncodingId => 820;

    public StatusCode Status { get; set; }

    public DiagnosticInfo? DiagnosticInfo { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(Status.Code);
        DiagnosticInfo.Encode(writer, DiagnosticInfo);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        Status = reader.ReadStatusCode();
        DiagnosticInfo = reader.ReadDiagnosticInfo();
    }
}

/// <summary>Part 4, 5.13.5.</summary>
public sealed class PublishRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 826;

    public IReadOnlyList<SubscriptionAcknowledgement>? SubscriptionAcknowledgements { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer) => writer.WriteEncodeableArray(SubscriptionAcknowledgements);

    protected override void DecodeBody(ref UaBinaryReader reader) => SubscriptionAcknowledgements = reader.ReadEncodeableArray<SubscriptionAcknowledgement>();
}

public sealed class PublishResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 829;

    public uint SubscriptionId { get; set; }

    public uint[]? AvailableSequenceNumbers { get; set; }

    public bool MoreNotifications { get; set; }

    public NotificationMessage NotificationMessage { get; set; } = new();

    public StatusCode[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteUInt32s(AvailableSequenceNumbers);
        writer.WriteBoolean(MoreNotifications);
        NotificationMessage.Encode(writer);
        writer.WriteStatusCodes(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        AvailableSequenceNumbers = reader.ReadUInt32s();
        MoreNotifications = reader.ReadBoolean();
        NotificationMessage = reader.ReadEncodeable<NotificationMessage>();
        Results = reader.ReadStatusCodes();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 5.13.6.</summary>
public sealed class RepublishRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 832;

    public uint SubscriptionId { get; set; }

    public uint RetransmitSequenceNumber { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(SubscriptionId);
        writer.WriteUInt32(RetransmitSequenceNumber);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SubscriptionId = reader.ReadUInt32();
        RetransmitSequenceNumber = reader.ReadUInt32();
    }
}

public sealed class RepublishResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 835;

    public NotificationMessage NotificationMessage { get; set; } = new();

    protected override void EncodeBody(UaBinaryWriter writer) => NotificationMessage.Encode(writer);

    protected override void DecodeBody(ref UaBinaryReader reader) => NotificationMessage = reader.ReadEncodeable<NotificationMessage>();
}
