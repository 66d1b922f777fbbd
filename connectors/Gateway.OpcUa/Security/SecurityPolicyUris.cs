namespace Gateway.OpcUa.Security;

/// <summary>The SecurityPolicyUris this stack implements (Part 7 security policy profiles), and their short names.</summary>
public static class SecurityPolicyUris
{
    public const string None = "http://opcfoundation.org/UA/SecurityPolicy#None";
    public const string Basic256Sha256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";
    public const string Aes128Sha256RsaOaep = "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep";
    public const string Aes256Sha256RsaPss = "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss";

    private const string Prefix = "http://opcfoundation.org/UA/SecurityPolicy#";

    /// <summary>Every policy we support, most secure first (the order `mode: best` prefers).</summary>
    public static IReadOnlyList<string> Supported { get; } = [Aes256Sha256RsaPss, Basic256Sha256, Aes128Sha256RsaOaep, None];

    /// <summary>The URI for a short name (`Basic256Sha256`) or a full URI; null when it is not a policy we support.</summary>
    public static string? Resolve(string nameOrUri)
    {
        var uri = nameOrUri.StartsWith(Prefix, StringComparison.Ordinal) ? nameOrUri : Prefix + nameOrUri;
        return Supported.Contains(uri, StringComparer.Ordinal) ? uri : null;
    }

    /// <summary>The short name of a policy URI (`Basic256Sha256`), or the URI itself when it is not a standard one.</summary>
    public static string NameOf(string? uri) =>
        uri is null ? "(none)" : uri.StartsWith(Prefix, StringComparison.Ordinal) ? uri[Prefix.Length..] : uri;
}
