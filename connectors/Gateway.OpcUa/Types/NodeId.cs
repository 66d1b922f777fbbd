using System.Globalization;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Types;

public enum IdType : byte
{
    Numeric = 0,
    String = 1,
    Guid = 2,
    Opaque = 3,
}

/// <summary>
/// A NodeId (Part 3, 8.2): namespace index plus a numeric, string, GUID or opaque identifier. Immutable and
/// comparable, so it can key dictionaries.
/// </summary>
public sealed class NodeId : IEquatable<NodeId>
{
    public static readonly NodeId Null = new(0, 0u);

    private readonly uint _numeric;
    private readonly object? _identifier;

    public NodeId(ushort namespaceIndex, uint identifier)
    {
        NamespaceIndex = namespaceIndex;
        IdType = IdType.Numeric;
        _numeric = identifier;
    }

    public NodeId(ushort namespaceIndex, string identifier)
    {
        NamespaceIndex = namespaceIndex;
        IdType = IdType.String;
        _identifier = identifier ?? throw new ArgumentNullException(nameof(identifier));
    }

    public NodeId(ushort namespaceIndex, Guid identifier)
    {
        NamespaceIndex = namespaceIndex;
        IdType = IdType.Guid;
        _identifier = identifier;
    }

    public NodeId(ushort namespaceIndex, byte[] identifier)
    {
        NamespaceIndex = namespaceIndex;
        IdType = IdType.Opaque;
        _identifier = identifier ?? throw new ArgumentNullException(nameof(identifier));
    }

    public ushort NamespaceIndex { get; }

    public IdType IdType { get; }

    public uint NumericIdentifier => IdType == IdType.Numeric ? _numeric : throw new InvalidOperationException("not a numeric NodeId");

    public string StringIdentifier => IdType == IdType.String ? (string)_identifier! : throw new InvalidOperationException("not a string NodeId");

    public Guid GuidIdentifier => IdType == IdType.Guid ? (Guid)_identifier! : throw new InvalidOperationException("not a GUID NodeId");

    public byte[] OpaqueIdentifier => IdType == IdType.Opaque ? (byte[])_identifier! : throw new InvalidOperationException("not an opaque NodeId");

    public bool IsNull => IdType switch
    {
        IdType.Numeric => NamespaceIndex == 0 && _numeric == 0,
        IdType.String => NamespaceIndex == 0 && ((string)_identifier!).Length == 0,
        IdType.Guid => NamespaceIndex == 0 && (Guid)_identifier! == Guid.Empty,
        _ => NamespaceIndex == 0 && ((byte[])_identifier!).Length == 0,
    };

    /// <summary>Part 6, 5.2.2.9: the smallest of the six encodings that can hold this id.</summary>
    public void Encode(UaBinaryWriter writer) => Encode(writer, 0);

    internal void Encode(UaBinaryWriter writer, byte extraFlags)
    {
        switch (IdType)
        {
            case IdType.Numeric when NamespaceIndex == 0 && _numeric <= byte.MaxValue:
                writer.WriteByte((byte)(0x00 | extraFlags));
                writer.WriteByte((byte)_numeric);
                break;
            case IdType.Numeric when NamespaceIndex <= byte.MaxValue && _numeric <= ushort.MaxValue:
                writer.WriteByte((byte)(0x01 | extraFlags));
                writer.WriteByte((byte)NamespaceIndex);
                writer.WriteUInt16((ushort)_numeric);
                break;
            case IdType.Numeric:
                writer.WriteByte((byte)(0x02 | extraFlags));
                writer.WriteUInt16(NamespaceIndex);
                writer.WriteUInt32(_numeric);
                break;
            case IdType.String:
                writer.WriteByte((byte)(0x03 | extraFlags));
                writer.WriteUInt16(NamespaceIndex);
                writer.WriteString((string)_identifier!);
                break;
            case IdType.Guid:
                writer.WriteByte((byte)(0x04 | extraFlags));
                writer.WriteUInt16(NamespaceIndex);
                writer.WriteGuid((Guid)_identifier!);
                break;
            default:
                writer.WriteByte((byte)(0x05 | extraFlags));
                writer.WriteUInt16(NamespaceIndex);
                writer.WriteByteString((byte[])_identifier!);
                break;
        }
    }

    public static NodeId Decode(ref UaBinaryReader reader)
    {
        var encoding = reader.ReadByte();
        return DecodeBody(ref reader, encoding);
    }

    internal static NodeId DecodeBody(ref UaBinaryReader reader, byte encoding) => (encoding & 0x3F) switch
    {
        0x00 => new NodeId(0, reader.ReadByte()),
        0x01 => new NodeId(reader.ReadByte(), reader.ReadUInt16()),
        0x02 => new NodeId(reader.ReadUInt16(), reader.ReadUInt32()),
        0x03 => StringId(ref reader),
        0x04 => new NodeId(reader.ReadUInt16(), reader.ReadGuid()),
        0x05 => OpaqueId(ref reader),
        var other => throw new UaDecodingException($"unknown NodeId encoding 0x{other:X2}"),
    };

    private static NodeId StringId(ref UaBinaryReader reader)
    {
        var ns = reader.ReadUInt16();
        return new NodeId(ns, reader.ReadString() ?? "");
    }

    private static NodeId OpaqueId(ref UaBinaryReader reader)
    {
        var ns = reader.ReadUInt16();
        return new NodeId(ns, reader.ReadByteString() ?? []);
    }

    /// <summary>Parses `ns=2;s=Name`, `i=2258`, `ns=1;g=...`, `ns=1;b=base64`. For `nsu=` use <see cref="ExpandedNodeId.Parse"/>.</summary>
    public static NodeId Parse(string text)
    {
        if (!TryParse(text, out var nodeId, out var error))
        {
            throw new FormatException($"'{text}': {error}");
        }

        return nodeId;
    }

    /// <summary>
    /// The text form of Part 6, 5.1.12 (v1.04 5.3.1.10, Table 20): <c>[ns=&lt;UInt16&gt;;]&lt;i|s|g|b&gt;=&lt;value&gt;</c>.
    /// <paramref name="error"/> says what is wrong in words an operator can act on (the configuration shows it).
    /// </summary>
    public static bool TryParse(string text, out NodeId nodeId, out string error)
    {
        nodeId = Null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it is empty";
            return false;
        }

        ushort ns = 0;
        var rest = text.AsSpan().Trim();
        if (rest.StartsWith("ns=", StringComparison.Ordinal))
        {
            var semicolon = rest.IndexOf(';');
            if (semicolon < 0)
            {
                error = "'ns=' must be followed by ';' and the identifier, e.g. ns=2;s=Spindle.Speed";
                return false;
            }

            if (!ushort.TryParse(rest[3..semicolon], NumberStyles.None, CultureInfo.InvariantCulture, out ns))
            {
                error = $"the namespace index '{rest[3..semicolon]}' is not a number from 0 to 65535";
                return false;
            }

            rest = rest[(semicolon + 1)..];
        }

        if (rest.Length < 2 || rest[1] != '=')
        {
            error = "expected an identifier i=, s=, g= or b= (optionally after ns=N; or nsu=URI;)";
            return false;
        }

        var id = rest[2..];
        switch (rest[0])
        {
            case 'i':
                if (!uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
                {
                    error = $"the numeric identifier '{id}' is not a number from 0 to 4294967295";
                    return false;
                }

                nodeId = new NodeId(ns, numeric);
                return true;
            case 's':
                if (id.IsEmpty)
                {
                    error = "the string identifier after 's=' is empty";
                    return false;
                }

                nodeId = new NodeId(ns, id.ToString());
                return true;
            case 'g':
                if (!Guid.TryParse(id, out var guid))
                {
                    error = $"'{id}' is not a GUID like 09087e75-8e5e-499b-954f-f2a9603db28a";
                    return false;
                }

                nodeId = new NodeId(ns, guid);
                return true;
            case 'b':
                var opaque = new byte[id.Length];
                if (id.IsEmpty || !Convert.TryFromBase64Chars(id, opaque, out var length))
                {
                    error = $"'{id}' is not base64 (the opaque identifier after 'b=')";
                    return false;
                }

                nodeId = new NodeId(ns, opaque[..length]);
                return true;
            default:
                error = $"unknown identifier type '{rest[0]}='; use i= (numeric), s= (string), g= (GUID) or b= (opaque)";
                return false;
        }
    }

    public bool Equals(NodeId? other)
    {
        if (other is null || other.NamespaceIndex != NamespaceIndex || other.IdType != IdType)
        {
            return false;
        }

        return IdType switch
        {
            IdType.Numeric => other._numeric == _numeric,
            IdType.String => string.Equals((string)other._identifier!, (string)_identifier!, StringComparison.Ordinal),
            IdType.Guid => (Guid)other._identifier! == (Guid)_identifier!,
            _ => ((byte[])other._identifier!).AsSpan().SequenceEqual((byte[])_identifier!),
        };
    }

    public override bool Equals(object? obj) => Equals(obj as NodeId);

    public override int GetHashCode() => IdType switch
    {
        IdType.Numeric => HashCode.Combine(NamespaceIndex, _numeric),
        IdType.String => HashCode.Combine(NamespaceIndex, StringComparer.Ordinal.GetHashCode((string)_identifier!)),
        IdType.Guid => HashCode.Combine(NamespaceIndex, (Guid)_identifier!),
        _ => HashCode.Combine(NamespaceIndex, ((byte[])_identifier!).Length),
    };

    public static bool operator ==(NodeId? left, NodeId? right) => Equals(left, right);

    public static bool operator !=(NodeId? left, NodeId? right) => !Equals(left, right);

    public override string ToString()
    {
        var prefix = NamespaceIndex == 0 ? "" : $"ns={NamespaceIndex};";
        return IdType switch
        {
            IdType.Numeric => $"{prefix}i={_numeric}",
            IdType.String => $"{prefix}s={_identifier}",
            IdType.Guid => $"{prefix}g={_identifier}",
            _ => $"{prefix}b={Convert.ToBase64String((byte[])_identifier!)}",
        };
    }

    public static implicit operator NodeId(uint numericNs0) => new(0, numericNs0);
}

/// <summary>A NodeId that may name its namespace by URI and its server by index (Part 6, 5.2.2.10).</summary>
public sealed record ExpandedNodeId(NodeId NodeId, string? NamespaceUri = null, uint ServerIndex = 0)
{
    public void Encode(UaBinaryWriter writer)
    {
        byte flags = 0;
        if (NamespaceUri is not null)
        {
            flags |= 0x80;
        }

        if (ServerIndex != 0)
        {
            flags |= 0x40;
        }

        NodeId.Encode(writer, flags);
        if (NamespaceUri is not null)
        {
            writer.WriteString(NamespaceUri);
        }

        if (ServerIndex != 0)
        {
            writer.WriteUInt32(ServerIndex);
        }
    }

    public static ExpandedNodeId Decode(ref UaBinaryReader reader)
    {
        var encoding = reader.ReadByte();
        var nodeId = NodeId.DecodeBody(ref reader, encoding);
        var uri = (encoding & 0x80) != 0 ? reader.ReadString() : null;
        var server = (encoding & 0x40) != 0 ? reader.ReadUInt32() : 0;
        return new ExpandedNodeId(nodeId, uri, server);
    }

    /// <summary>Parses a NodeId that may start with `nsu=URI;` instead of `ns=N;`.</summary>
    public static ExpandedNodeId Parse(string text) =>
        TryParse(text, out var nodeId, out var error) ? nodeId : throw new FormatException($"'{text}': {error}");

    /// <summary>Like <see cref="NodeId.TryParse"/>, also with `nsu=URI;` (Part 6, 5.1.12: reserved characters in the URI are %-escaped).</summary>
    public static bool TryParse(string text, out ExpandedNodeId nodeId, out string error)
    {
        nodeId = new ExpandedNodeId(NodeId.Null);
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("nsu=", StringComparison.Ordinal))
        {
            if (!NodeId.TryParse(trimmed, out var plain, out error))
            {
                return false;
            }

            nodeId = new ExpandedNodeId(plain);
            return true;
        }

        // The URI may itself contain ';' (rarely); the identifier part is after the last ";x=" marker.
        var marker = LastIdentifierMarker(trimmed);
        if (marker < 0)
        {
            var semicolon = trimmed.IndexOf(';', StringComparison.Ordinal);
            if (semicolon < 0)
            {
                error = "'nsu=' must be followed by ';' and the identifier, e.g. nsu=urn:vendor:cnc;s=Spindle.Speed";
            }
            else
            {
                // Whatever follows the URI is no identifier: say what is wrong with it as written.
                NodeId.TryParse(trimmed[(semicolon + 1)..], out _, out error);
                error = error.Length > 0 ? error : "expected an identifier i=, s=, g= or b= (optionally after ns=N; or nsu=URI;)";
            }

            return false;
        }

        if (marker == 4)
        {
            error = "the namespace URI after 'nsu=' is empty";
            return false;
        }

        if (!NodeId.TryParse(trimmed[(marker + 1)..], out var inner, out error))
        {
            return false;
        }

        nodeId = new ExpandedNodeId(inner, trimmed[4..marker]);
        return true;
    }

    private static int LastIdentifierMarker(string text)
    {
        for (var i = 4; i < text.Length - 2; i++)
        {
            if (text[i] == ';' && text[i + 2] == '=' && text[i + 1] is 'i' or 's' or 'g' or 'b')
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString() => NamespaceUri is null ? NodeId.ToString() : $"nsu={NamespaceUri};{NodeId.ToString().Split(';')[^1]}";
}
