using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

/// <summary>
/// Every service message and structure this stack knows, by its binary encoding id (the tables are generated in
/// MessageTypes.Generated.cs from wire-vocabulary.txt).
/// </summary>
public static partial class MessageTypes
{
    static MessageTypes() => RegisterStructures();

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
