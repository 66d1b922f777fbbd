using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

/// <summary>Every service message and structure this stack knows, by its binary encoding id.</summary>
public static class MessageTypes
{
    private static readonly Dictionary<uint, Func<IServiceMessage>> Messages = new()
    {
        [397] = () => new ServiceFault(),
        [446] = () => new OpenSecureChannelRequest(),
        [449] = () => new OpenSecureChannelResponse(),
        [452] = () => new CloseSecureChannelRequest(),
        [428] = () => new GetEndpointsRequest(),
        [431] = () => new GetEndpointsResponse(),
        [461] = () => new CreateSessionRequest(),
        [464] = () => new CreateSessionResponse(),
        [467] = () => new ActivateSessionRequest(),
        [470] = () => new ActivateSessionResponse(),
        [473] = () => new CloseSessionRequest(),
        [476] = () => new CloseSessionResponse(),
        [631] = () => new ReadRequest(),
        [634] = () => new ReadResponse(),
        [527] = () => new BrowseRequest(),
        [530] = () => new BrowseResponse(),
        [533] = () => new BrowseNextRequest(),
        [536] = () => new BrowseNextResponse(),
        [554] = () => new TranslateBrowsePathsToNodeIdsRequest(),
        [557] = () => new TranslateBrowsePathsToNodeIdsResponse(),
        [787] = () => new CreateSubscriptionRequest(),
        [790] = () => new CreateSubscriptionResponse(),
        [751] = () => new CreateMonitoredItemsRequest(),
        [754] = () => new CreateMonitoredItemsResponse(),
        [781] = () => new DeleteMonitoredItemsRequest(),
        [784] = () => new DeleteMonitoredItemsResponse(),
        [847] = () => new DeleteSubscriptionsRequest(),
        [850] = () => new DeleteSubscriptionsResponse(),
        [826] = () => new PublishRequest(),
        [829] = () => new PublishResponse(),
        [832] = () => new RepublishRequest(),
        [835] = () => new RepublishResponse(),
        [793] = () => new ModifySubscriptionRequest(),
        [796] = () => new ModifySubscriptionResponse(),
        [799] = () => new SetPublishingModeRequest(),
        [802] = () => new SetPublishingModeResponse(),
        [841] = () => new TransferSubscriptionsRequest(),
        [844] = () => new TransferSubscriptionsResponse(),
        [763] = () => new ModifyMonitoredItemsRequest(),
        [766] = () => new ModifyMonitoredItemsResponse(),
        [769] = () => new SetMonitoringModeRequest(),
        [772] = () => new SetMonitoringModeResponse(),
    };

    static MessageTypes()
    {
        // Structures that travel inside ExtensionObjects.
        ExtensionObject.KnownTypes[321] = () => new AnonymousIdentityToken();
        ExtensionObject.KnownTypes[324] = () => new UserNameIdentityToken();
        ExtensionObject.KnownTypes[724] = () => new DataChangeFilter();
        ExtensionObject.KnownTypes[811] = () => new DataChangeNotification();
        ExtensionObject.KnownTypes[820] = () => new StatusChangeNotification();
        ExtensionObject.KnownTypes[EUInformation.BinaryEncodingId] = () => new EUInformation();
    }

    /// <summary>Makes sure the ExtensionObject table is filled before the first decode.</summary>
    public static void EnsureRegistered()
    {
    }

    /// <summary>Decodes a service message: its encoding NodeId, then its body.</summary>
    public static IServiceMessage Decode(ref UaBinaryReader reader)
    {
        var typeId = reader.ReadNodeId();
        if (typeId.NamespaceIndex != 0 || typeId.IdType != IdType.Numeric || !Messages.TryGetValue(typeId.NumericIdentifier, out var create))
        {
            throw new UaDecodingException($"unknown service message type {typeId}", StatusCodes.BadServiceUnsupported);
        }

        var message = create();
        message.Decode(ref reader);
        return message;
    }

    public static void Encode(UaBinaryWriter writer, IServiceMessage message)
    {
        writer.WriteNodeId(new NodeId(0, message.BinaryEncodingId));
        message.Encode(writer);
    }
}
