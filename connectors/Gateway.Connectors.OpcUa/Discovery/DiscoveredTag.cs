using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>A tag a discovery found: the name it gets (from its browse path) and the node it reads on this session.</summary>
public sealed record DiscoveredTag(string Name, NodeId NodeId, string Path, string? DataType);

/// <summary>One discovery of one group: its tags, and a warning when the walk was cut or the start was not found.</summary>
public sealed record DiscoveryResult(IReadOnlyList<DiscoveredTag> Tags, string? Warning, int Visited);

/// <summary>Tag names from browse paths: what the configuration allows (`^[A-Za-z_][A-Za-z0-9_.-]*$`).</summary>
public static class DiscoveredTagNames
{
    /// <summary>`Machine1/Spindle/Speed` -> `Machine1.Spindle.Speed`; other characters become '_'.</summary>
    public static string FromPath(IEnumerable<string> segments)
    {
        var joined = string.Join(".", segments.Select(s => new string(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray())));
        return joined.Length == 0 ? "_" : char.IsAsciiLetter(joined[0]) || joined[0] == '_' ? joined : "_" + joined;
    }

    /// <summary>Names made unique in order of appearance (`name`, `name_2`, ...), as two browse paths may clean up alike.</summary>
    public static IReadOnlyList<DiscoveredTag> Unique(IEnumerable<DiscoveredTag> tags)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<DiscoveredTag>();
        foreach (var tag in tags)
        {
            var name = tag.Name;
            for (var i = 2; !taken.Add(name); i++)
            {
                name = $"{tag.Name}_{i}";
            }

            result.Add(tag with { Name = name });
        }

        return result;
    }

    /// <summary>A built-in type's name (`Double`) for a namespace-0 DataType NodeId, else the NodeId text.</summary>
    public static string DataTypeName(NodeId type) =>
        type.NamespaceIndex == 0 && type.IdType == IdType.Numeric && type.NumericIdentifier is > 0 and <= 25
            ? ((BuiltInType)type.NumericIdentifier).ToString()
            : type.NamespaceIndex == 0 && type.IdType == IdType.Numeric && type.NumericIdentifier == DecimalValue.DataTypeId ? "Decimal" : type.ToString();
}
