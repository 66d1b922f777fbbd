using System.Buffers;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Encoding;

/// <summary>Structures the next services need (events, Call, HistoryRead, Write, RegisterNodes, data type definitions), generated from Opc.Ua.Types.bsd.</summary>
public class GeneratedStructureTests
{
    private static T RoundTripMessage<T>(T message)
        where T : IServiceMessage
    {
        var buffer = new ArrayBufferWriter<byte>();
        MessageTypes.Encode(new UaBinaryWriter(buffer), message);
        var reader = new UaBinaryReader(buffer.WrittenSpan);
        var decoded = MessageTypes.Decode(ref reader);
        Assert.Equal(0, reader.Remaining);
        return Assert.IsType<T>(decoded);
    }

    private static T RoundTripInExtensionObject<T>(T body)
        where T : IBinaryEncodeable
    {
        MessageTypes.EnsureRegistered();
        var buffer = new ArrayBufferWriter<byte>();
        ExtensionObject.From(body).Encode(new UaBinaryWriter(buffer));
        var reader = new UaBinaryReader(buffer.WrittenSpan);
        var decoded = reader.ReadExtensionObject();
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(new NodeId(0, body.BinaryEncodingId), decoded.TypeId);
        return Assert.IsType<T>(decoded.Body);
    }

    [Fact]
    public void A_simple_attribute_operand_has_the_bytes_of_Part_6()
    {
        var operand = new SimpleAttributeOperand { TypeDefinitionId = new NodeId(0, 2041u), BrowsePath = [new QualifiedName(0, "Message")] };
        var buffer = new ArrayBufferWriter<byte>();
        operand.Encode(new UaBinaryWriter(buffer));

        byte[] expected =
        [
            0x01, 0x00, 0xF9, 0x07, // TypeDefinitionId: four-byte NodeId i=2041 (BaseEventType)
            0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, (byte)'M', (byte)'e', (byte)'s', (byte)'s', (byte)'a', (byte)'g', (byte)'e', // BrowsePath: [0:Message]
            0x0D, 0x00, 0x00, 0x00, // AttributeId: Value (the default)
            0xFF, 0xFF, 0xFF, 0xFF, // IndexRange: null
        ];
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
        Assert.Equal(603u, operand.BinaryEncodingId); // SimpleAttributeOperand_Encoding_DefaultBinary
    }

    [Fact]
    public void An_event_filter_with_a_where_clause_round_trips_inside_an_extension_object()
    {
        var filter = new EventFilter
        {
            SelectClauses = [new SimpleAttributeOperand { TypeDefinitionId = new NodeId(0, 2041u), BrowsePath = [new QualifiedName(0, "Severity")] }],
            WhereClause = new ContentFilter
            {
                Elements =
                [
                    new ContentFilterElement
                    {
                        FilterOperator = FilterOperator.GreaterThan,
                        FilterOperands = [ExtensionObject.From(new ElementOperand { Index = 1 }), ExtensionObject.From(new LiteralOperand { Value = Variant.From((ushort)500) })],
                    },
                ],
            },
        };

        var decoded = RoundTripInExtensionObject(filter);

        Assert.Equal("Severity", Assert.Single(Assert.Single(decoded.SelectClauses!).BrowsePath!).Name);
        var element = Assert.Single(decoded.WhereClause.Elements!);
        Assert.Equal(FilterOperator.GreaterThan, element.FilterOperator);
        Assert.Equal(1u, Assert.IsType<ElementOperand>(element.FilterOperands![0].Body).Index);
        Assert.Equal((ushort)500, Assert.IsType<LiteralOperand>(element.FilterOperands[1].Body).Value.Value);
    }

    [Fact]
    public void An_event_notification_list_carries_its_fields()
    {
        var events = new EventNotificationList { Events = [new EventFieldList { ClientHandle = 9, EventFields = [Variant.From("boiler"), Variant.From((ushort)700)] }] };

        var decoded = RoundTripInExtensionObject(events);

        var fields = Assert.Single(decoded.Events!);
        Assert.Equal(9u, fields.ClientHandle);
        Assert.Equal(["boiler", (ushort)700], fields.EventFields!.Select(v => v.Value));
    }

    [Fact]
    public void Call_HistoryRead_Write_and_RegisterNodes_requests_round_trip_through_the_message_table()
    {
        var call = RoundTripMessage(new CallRequest { MethodsToCall = [new CallMethodRequest { ObjectId = new NodeId(2, "Pump"), MethodId = new NodeId(2, "Start"), InputArguments = [Variant.From(3.5)] }] });
        Assert.Equal(new NodeId(2, "Start"), Assert.Single(call.MethodsToCall!).MethodId);
        Assert.Equal(3.5, Assert.Single(call.MethodsToCall![0].InputArguments!).Value);

        var start = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        var history = RoundTripMessage(new HistoryReadRequest
        {
            HistoryReadDetails = ExtensionObject.From(new ReadRawModifiedDetails { StartTime = start, EndTime = start.AddHours(1), NumValuesPerNode = 100 }),
            NodesToRead = [new HistoryReadValueId { NodeId = new NodeId(2, "T1") }],
        });
        var details = Assert.IsType<ReadRawModifiedDetails>(history.HistoryReadDetails.Body);
        Assert.Equal((start, start.AddHours(1), 100u), (details.StartTime, details.EndTime, details.NumValuesPerNode));
        Assert.Equal(TimestampsToReturn.Both, history.TimestampsToReturn);

        var write = RoundTripMessage(new WriteRequest { NodesToWrite = [new WriteValue { NodeId = new NodeId(2, "Setpoint"), Value = new DataValue(Variant.From(42.0)) }] });
        var written = Assert.Single(write.NodesToWrite!);
        Assert.Equal(Attributes.Value, written.AttributeId);
        Assert.Equal(42.0, written.Value.Value.Value);

        var registered = RoundTripMessage(new RegisterNodesResponse { RegisteredNodeIds = [new NodeId(2, 7u)] });
        Assert.Equal(new NodeId(2, 7u), Assert.Single(registered.RegisteredNodeIds!));
    }

    [Fact]
    public void Structure_and_enum_definitions_round_trip_with_the_fields_of_their_base_types()
    {
        var structure = RoundTripInExtensionObject(new StructureDefinition
        {
            DefaultEncodingId = new NodeId(2, 5001u),
            BaseDataType = new NodeId(0, 22u),
            StructureType = StructureType.Structure,
            Fields = [new StructureField { Name = "Speed", DataType = new NodeId(0, 11u), ValueRank = -1 }],
        });
        Assert.Equal(("Speed", -1), (Assert.Single(structure.Fields!).Name, structure.Fields![0].ValueRank));

        // EnumField derives from EnumValueType: Value, DisplayName and Description come first on the wire, then Name.
        var enumeration = RoundTripInExtensionObject(new EnumDefinition { Fields = [new EnumField { Value = 2, DisplayName = new LocalizedText("Running", null), Name = "Running" }] });
        var field = Assert.Single(enumeration.Fields!);
        Assert.Equal((2L, "Running", "Running"), (field.Value, field.DisplayName.Text, field.Name));
    }
}
