using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>Structure layouts by their binary encoding id, for ExtensionObjects found inside a structure.</summary>
public interface IStructureLayouts
{
    StructureLayout? FindByEncodingId(NodeId encodingId);
}

/// <summary>
/// Decodes the binary body of a structure from its <see cref="StructureLayout"/> (Part 6, 5.2.7): fields in order,
/// nested structures in line, arrays as an Int32 length then the elements (multi-dimensional ones with their
/// dimensions first, Part 6, 5.2.5), optional fields after a UInt32 encoding mask, unions after a UInt32 switch.
/// Every length is checked against <see cref="DecodingLimits"/> and the bytes left before anything is allocated, and
/// every nested structure counts against the nesting depth: a malformed body fails with <see cref="UaDecodingException"/>.
/// </summary>
public static class StructureDecoder
{
    /// <summary>Decodes an ExtensionObject whose encoding id has a layout; null when none is known or the body is not binary.</summary>
    public static StructureValue? TryDecode(ExtensionObject value, IStructureLayouts layouts, DecodingLimits? limits = null)
    {
        if (value.IsXml || (value.RawBody is null && value.Body is null))
        {
            return null;
        }

        var layout = layouts.FindByEncodingId(value.TypeId);
        return layout is null ? null : Decode(value.RawBody ?? value.BodyBytes()!, layout, layouts, limits);
    }

    /// <summary>Decodes a whole body; bytes left over mean the layout does not describe this value, and fail too.</summary>
    public static StructureValue Decode(ReadOnlySpan<byte> body, StructureLayout layout, IStructureLayouts? layouts = null, DecodingLimits? limits = null)
    {
        var reader = new UaBinaryReader(body, limits);
        var value = DecodeStructure(ref reader, layout, layouts);
        if (reader.Remaining != 0)
        {
            throw new UaDecodingException($"{reader.Remaining} byte(s) left after decoding {layout.Name}: the value does not match its {layout.Origin}");
        }

        return value;
    }

    public static StructureValue DecodeStructure(ref UaBinaryReader reader, StructureLayout layout, IStructureLayouts? layouts)
    {
        reader.EnterNested();
        try
        {
            var fields = layout.Fields;
            switch (layout.Kind)
            {
                case StructureLayoutKind.Union:
                {
                    var chosen = reader.ReadUInt32();
                    if (chosen == 0)
                    {
                        return new StructureValue(layout, []);
                    }

                    if (chosen > fields.Count)
                    {
                        throw new UaDecodingException($"union {layout.Name} chose field {chosen} of {fields.Count}");
                    }

                    var field = fields[(int)chosen - 1];
                    return new StructureValue(layout, [DecodeField(ref reader, field, layouts)]);
                }

                case StructureLayoutKind.StructureWithOptionalFields:
                {
                    var mask = reader.ReadUInt32();
                    var present = new List<StructureFieldValue>(fields.Count);
                    var bit = 0;
                    foreach (var field in fields)
                    {
                        if (field.IsOptional)
                        {
                            var isSet = (mask & (1u << bit)) != 0;
                            bit++;
                            if (!isSet)
                            {
                                continue;
                            }
                        }

                        present.Add(DecodeField(ref reader, field, layouts));
                    }

                    return new StructureValue(layout, [.. present]);
                }

                default:
                {
                    var values = new StructureFieldValue[fields.Count];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = DecodeField(ref reader, fields[i], layouts);
                    }

                    return new StructureValue(layout, values);
                }
            }
        }
        finally
        {
            reader.LeaveNested();
        }
    }

    private static StructureFieldValue DecodeField(ref UaBinaryReader reader, FieldLayout field, IStructureLayouts? layouts)
    {
        if (!field.IsArray)
        {
            return new StructureFieldValue(field.Name, DecodeScalar(ref reader, field, layouts));
        }

        int[]? dimensions = null;
        int length;
        if (field.ValueRank > 1)
        {
            dimensions = ReadDimensions(ref reader, field, out length);
        }
        else
        {
            length = reader.ReadArrayLength(ElementSize(field));
        }

        if (length < 0)
        {
            return new StructureFieldValue(field.Name, null);
        }

        reader.EnterNested();
        try
        {
            object value;
            if (field.Structure is { } structure)
            {
                var elements = new StructureValue[length];
                for (var i = 0; i < length; i++)
                {
                    elements[i] = DecodeStructure(ref reader, structure, layouts);
                }

                value = elements;
            }
            else if (field.Enum is { } enumeration)
            {
                var elements = new EnumValue[length];
                for (var i = 0; i < length; i++)
                {
                    var number = reader.ReadInt32();
                    elements[i] = new EnumValue(number, enumeration.NameOf(number));
                }

                value = elements;
            }
            else
            {
                value = ReadBuiltInArray(ref reader, field.WireType, length, layouts);
            }

            return new StructureFieldValue(field.Name, value, dimensions);
        }
        finally
        {
            reader.LeaveNested();
        }
    }

    // Part 6, 5.2.5: a multi-dimensional array is its dimensions (an Int32 array) then every element, last index fastest.
    private static int[]? ReadDimensions(ref UaBinaryReader reader, FieldLayout field, out int length)
    {
        var dimensions = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadInt32(), 4);
        if (dimensions is null)
        {
            length = -1;
            return null;
        }

        long product = 1;
        foreach (var d in dimensions)
        {
            if (d < 0)
            {
                throw new UaDecodingException($"field {field.Name}: negative array dimension {d}");
            }

            product *= d;
            if (product > reader.Limits.MaxArrayLength)
            {
                throw new UaDecodingException($"field {field.Name}: array of more than {reader.Limits.MaxArrayLength} elements", StatusCodes.BadEncodingLimitsExceeded);
            }
        }

        if (product * Math.Max(1, ElementSize(field)) > reader.Remaining)
        {
            throw new UaDecodingException($"field {field.Name}: array of {product} elements cannot fit in the {reader.Remaining} bytes left");
        }

        length = (int)product;
        return dimensions;
    }

    private static int ElementSize(FieldLayout field) =>
        field.Structure is { } structure ? Math.Max(1, structure.MinimumSize()) : field.Enum is not null ? 4 : Math.Max(1, new FieldLayout("", field.WireType).MinimumSize());

    private static object? DecodeScalar(ref UaBinaryReader reader, FieldLayout field, IStructureLayouts? layouts)
    {
        if (field.Structure is { } structure)
        {
            return DecodeStructure(ref reader, structure, layouts);
        }

        if (field.Enum is { } enumeration)
        {
            var number = reader.ReadInt32();
            return new EnumValue(number, enumeration.NameOf(number));
        }

        switch (field.WireType)
        {
            case BuiltInType.ExtensionObject:
                return DecodeEmbedded(ref reader, layouts);
            case BuiltInType.Variant:
                return reader.ReadVariant();
            default:
                var value = Variant.DecodeValue(ref reader, CheckedBuiltIn(field.WireType));
                return value.IsNullReference ? Variant.Null : value;
        }
    }

    private static BuiltInType CheckedBuiltIn(BuiltInType type) =>
        type is > BuiltInType.Null and <= BuiltInType.DiagnosticInfo ? type : throw new UaDecodingException($"a structure field cannot be of type {type}");

    // A field typed with an abstract structure (or a subtyped value) travels as an ExtensionObject: decoded when its
    // encoding id is one the session knows, else kept as the raw structure (type id and body).
    private static object DecodeEmbedded(ref UaBinaryReader reader, IStructureLayouts? layouts)
    {
        var embedded = reader.ReadExtensionObject();
        if (layouts is not null && embedded is { IsXml: false, RawBody: { } body } && layouts.FindByEncodingId(embedded.TypeId) is { } layout)
        {
            // The body gets a reader of its own, which starts at depth 0: it is given the outer depth, so that
            // structures nested through ExtensionObjects are bounded like those nested in line.
            var value = DecodeWithDepth(body, layout, layouts, reader.Limits, reader.Depth + 1);
            return value;
        }

        return Variant.FromObject(BuiltInType.ExtensionObject, embedded);
    }

    private static StructureValue DecodeWithDepth(byte[] body, StructureLayout layout, IStructureLayouts layouts, DecodingLimits limits, int depth)
    {
        var reader = new UaBinaryReader(body, limits);
        for (var i = 0; i < depth; i++)
        {
            reader.EnterNested();
        }

        var value = DecodeStructure(ref reader, layout, layouts);
        if (reader.Remaining != 0)
        {
            throw new UaDecodingException($"{reader.Remaining} byte(s) left after decoding {layout.Name}: the value does not match its {layout.Origin}");
        }

        return value;
    }

    private static object ReadBuiltInArray(ref UaBinaryReader reader, BuiltInType type, int length, IStructureLayouts? layouts)
    {
        if (type != BuiltInType.ExtensionObject)
        {
            return Variant.FromArray(type, Variant.DecodeElements(ref reader, CheckedBuiltIn(type), length));
        }

        var elements = new object[length];
        for (var i = 0; i < length; i++)
        {
            elements[i] = DecodeEmbedded(ref reader, layouts);
        }

        // Decoded structures and raw ones side by side: not a Variant array, a list of decoded values.
        return elements;
    }
}
