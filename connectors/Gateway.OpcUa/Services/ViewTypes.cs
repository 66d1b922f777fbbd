namespace Gateway.OpcUa.Services;

/// <summary>Part 4, 7.7: a starting node and a relative path (fields and codec generated in Structures.Generated.cs).</summary>
public sealed partial class BrowsePath
{
    /// <summary>The steps of <see cref="RelativePath"/>, the way callers usually write a path.</summary>
    public RelativePathElement[]? Elements
    {
        get => RelativePath.Elements;
        set => RelativePath.Elements = value;
    }
}
