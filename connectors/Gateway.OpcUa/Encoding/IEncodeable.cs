namespace Gateway.OpcUa.Encoding;

/// <summary>A structure with a binary encoding: fields in the order Part 4 / Part 6 define them.</summary>
public interface IEncodeable
{
    void Encode(UaBinaryWriter writer);

    void Decode(ref UaBinaryReader reader);
}

/// <summary>A namespace-0 structure that knows its DefaultBinary encoding id, so it can travel in an ExtensionObject.</summary>
public interface IBinaryEncodeable : IEncodeable
{
    /// <summary>The numeric id of the DefaultBinary encoding node in namespace 0.</summary>
    uint BinaryEncodingId { get; }
}

/// <summary>A service request or response: encoded after its binary encoding NodeId (Part 6, 7.1.2 / 6.7.2).</summary>
public interface IServiceMessage : IBinaryEncodeable
{
}
