using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server;

public sealed partial class ServiceDispatcher
{
    private ReadResponse Read(ReadRequest request)
    {
        CheckCount(request.NodesToRead?.Count, Limits.MaxNodesPerRead);
        if (request.MaxAge < 0)
        {
            throw new ServiceFaultException(StatusCodes.BadMaxAgeInvalid, "MaxAge must not be negative");
        }

        if (request.TimestampsToReturn is < TimestampsToReturn.Source or > TimestampsToReturn.Neither)
        {
            throw new ServiceFaultException(StatusCodes.BadTimestampsToReturnInvalid, $"TimestampsToReturn {(int)request.TimestampsToReturn} is not defined");
        }

        var nodes = request.NodesToRead!;
        var results = new DataValue[nodes.Count];
        var now = DateTime.UtcNow;
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = ReadAttribute(nodes[i], request.TimestampsToReturn, now);
        }

        return new ReadResponse { Results = results, DiagnosticInfos = [] };
    }

    private DataValue ReadAttribute(ReadValueId id, TimestampsToReturn timestamps, DateTime now)
    {
        var node = AddressSpace.Find(id.NodeId);
        if (node is null)
        {
            return Bad(StatusCodes.BadNodeIdUnknown);
        }

        if (!string.IsNullOrEmpty(id.IndexRange))
        {
            return Bad(StatusCodes.BadIndexRangeInvalid);
        }

        if (id.DataEncoding.Name is { Length: > 0 } encoding && !(id.DataEncoding.NamespaceIndex == 0 && encoding == "Default Binary"))
        {
            return Bad(StatusCodes.BadDataEncodingInvalid);
        }

        if (id.AttributeId == Attributes.Value)
        {
            if (node is not VariableNode variable)
            {
                return Bad(StatusCodes.BadAttributeIdInvalid);
            }

            var value = variable.Value;
            return timestamps switch
            {
                TimestampsToReturn.Source => value with { ServerTimestamp = default },
                TimestampsToReturn.Server => value with { SourceTimestamp = default, ServerTimestamp = now },
                TimestampsToReturn.Neither => value with { SourceTimestamp = default, ServerTimestamp = default },
                _ => value with { ServerTimestamp = now },
            };
        }

        var attribute = AttributeValue(node, id.AttributeId);
        return attribute is { } v ? new DataValue(v) : Bad(StatusCodes.BadAttributeIdInvalid);
    }

    /// <summary>Every attribute but Value (Part 3, 5.9 table: which node class has which attribute).</summary>
    internal static Variant? AttributeValue(UaNode node, uint attributeId)
    {
        switch (attributeId)
        {
            case 1: return Variant.FromObject(BuiltInType.NodeId, node.NodeId);
            case 2: return Variant.From((int)node.NodeClass);
            case 3: return Variant.FromObject(BuiltInType.QualifiedName, node.BrowseName);
            case 4: return Variant.FromObject(BuiltInType.LocalizedText, node.DisplayName);
            case 5: return Variant.FromObject(BuiltInType.LocalizedText, node.Description);
            case 6 or 7: return Variant.From(0u); // WriteMask, UserWriteMask: nothing writable
        }

        return node switch
        {
            VariableNode v => attributeId switch
            {
                14 => Variant.FromObject(BuiltInType.NodeId, v.DataType),
                15 => Variant.From(v.ValueRank),
                16 => v.ArrayDimensions is { } dims ? Variant.FromArray(BuiltInType.UInt32, dims) : Variant.Null,
                17 or 18 => Variant.From(v.AccessLevel),
                19 => Variant.From(v.MinimumSamplingInterval),
                20 => Variant.From(false), // Historizing
                27 => Variant.From((uint)v.AccessLevel), // AccessLevelEx
                _ => null,
            },
            ObjectNode o => attributeId == 12 ? Variant.From(o.EventNotifier) : null,
            TypeNode t => attributeId switch
            {
                8 => Variant.From(t.IsAbstract),
                9 when t.NodeClass == NodeClass.ReferenceType => Variant.From(t.Symmetric),
                10 when t.NodeClass == NodeClass.ReferenceType => Variant.FromObject(BuiltInType.LocalizedText, t.InverseName),
                23 when t.Definition is IBinaryEncodeable definition => Variant.FromObject(BuiltInType.ExtensionObject, ExtensionObject.From(definition)),
                _ => null,
            },
            _ => null,
        };
    }

    private static DataValue Bad(uint status) => new(Variant.Null, new StatusCode(status));
}
