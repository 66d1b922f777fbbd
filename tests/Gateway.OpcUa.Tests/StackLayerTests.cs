using System.Text.RegularExpressions;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.OpcUa.Tests;

/// <summary>
/// The stack is built in layers, one folder each, and a folder knows only the folders below it (issue 19, section 3).
/// Read from the sources, so that a new `using` or a qualified name that reaches upwards fails here before review.
/// </summary>
public sealed partial class StackLayerTests(ITestOutputHelper output)
{
    /// <summary>Bottom first. Declared once; a new folder of connectors/Gateway.OpcUa must be placed here.</summary>
    public static readonly IReadOnlyList<string> LayersBottomUp =
    [
        "Status",        // StatusCode, the status code table, and every exception the stack throws
        "Encoding",      // bytes and primitives: UaBinaryReader/Writer, decoding limits, IEncodeable
        "Types",         // the built-in types (NodeId, Variant, DataValue, ...) with their encodings, namespace-0 node ids
        "Transport",     // UA TCP: Hello/Acknowledge and message chunks over a socket
        "Services",      // the service messages: generated structures, headers, the message table
        "Security",      // channel crypto: security policies, key derivation, certificate chains, the validator contract
        "Pki",           // the certificate folders, revocation lists and the server certificate validator
        "SecureChannel", // OpenSecureChannel, chunk signing and encryption, requests matched to responses
        "Session",       // session security (CreateSession/ActivateSession signatures) and user identities
        "Client",        // the client API: connect, read, browse, subscribe
    ];

    private static string StackDirectory => RepositoryPaths.Combine("connectors", "Gateway.OpcUa");

    [Fact]
    public void No_folder_of_the_stack_uses_a_folder_above_it()
    {
        var references = StackSources().SelectMany(s => FolderReferences.Find(s.Folder, s.RelativePath, s.Text)).ToList();
        output.WriteLine(FolderReferences.Table(references));

        var upwards = references.Where(r => !IsAllowed(r.From, r.To)).Select(r => r.ToString()).ToList();
        Assert.True(upwards.Count == 0, "These files use a folder above their own (see LayersBottomUp):\n" + string.Join('\n', upwards));
    }

    [Fact]
    public void Every_folder_is_a_declared_layer_and_every_file_is_in_its_folders_namespace()
    {
        var sources = StackSources().ToList();
        Assert.NotEmpty(sources);
        var misplaced = sources
            .Where(s => !LayersBottomUp.Contains(s.Folder) || !FolderReferences.DeclaresNamespaceOf(s.Folder, s.Text))
            .Select(s => s.RelativePath)
            .ToList();
        Assert.True(misplaced.Count == 0, "Not in a declared layer, or not in namespace Gateway.OpcUa.<Folder>:\n" + string.Join('\n', misplaced));

        // A project-wide using would reach every file without showing in any of them.
        var project = File.ReadAllText(Path.Combine(StackDirectory, "Gateway.OpcUa.csproj"));
        Assert.DoesNotContain("<Using Include=\"Gateway.OpcUa", project, StringComparison.Ordinal);
        Assert.DoesNotContain(sources, s => GlobalUsing().IsMatch(s.Text));
    }

    [Theory]
    [InlineData("using Gateway.OpcUa.Client;\nnamespace Gateway.OpcUa.Types;\n", "Client")]
    [InlineData("namespace Gateway.OpcUa.Encoding;\nclass A { object b = global::Gateway.OpcUa.Session.UserIdentity.Anonymous; }\n", "Session")]
    [InlineData("namespace Gateway.OpcUa.Security;\nclass A { object b = SecureChannel.ChannelSecurity.None; }\n", "SecureChannel")]
    [InlineData("using Channel = Gateway.OpcUa.SecureChannel.ClientSecureChannel;\nnamespace Gateway.OpcUa.Transport;\n", "SecureChannel")]
    public void The_check_sees_usings_aliases_and_qualified_names(string source, string expectedTarget)
    {
        var from = FolderReferences.NamespaceFolder(source)!;
        var found = FolderReferences.Find(from, "example.cs", source).ToList();
        Assert.Contains(found, r => r.To == expectedTarget);
        Assert.Contains(found, r => !IsAllowed(r.From, r.To));
    }

    [Fact]
    public void Comments_strings_and_member_names_are_not_references()
    {
        const string source = "namespace Gateway.OpcUa.Transport;\n// see Gateway.OpcUa.Client for the caller\n/// <see cref=\"Session.UserIdentity\"/>\n"
            + "class A { string s = \"using Gateway.OpcUa.Client;\"; object t = timer.Session.Id; object u = ChannelSecurity.None; }\n";
        Assert.Empty(FolderReferences.Find("Transport", "example.cs", source));
    }

    private static bool IsAllowed(string from, string to) => IndexOf(to) <= IndexOf(from);

    private static int IndexOf(string layer)
    {
        var index = LayersBottomUp.ToList().IndexOf(layer);
        return index >= 0 ? index : throw new InvalidOperationException($"{layer} is not declared in StackLayerTests.LayersBottomUp");
    }

    private static IEnumerable<(string Folder, string RelativePath, string Text)> StackSources()
    {
        foreach (var file in Directory.EnumerateFiles(StackDirectory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(StackDirectory, file).Replace('\\', '/');
            var folder = relative.Split('/')[0];
            if (folder is "bin" or "obj" || !relative.Contains('/', StringComparison.Ordinal))
            {
                if (folder is not ("bin" or "obj"))
                {
                    // A file at the project root belongs to no layer: report it as misplaced.
                    yield return ("(root)", relative, File.ReadAllText(file));
                }

                continue;
            }

            yield return (folder, relative, File.ReadAllText(file));
        }
    }

    [GeneratedRegex(@"^\s*global\s+using\s+(static\s+)?(\w+\s*=\s*)?(global::)?Gateway\.OpcUa\.", RegexOptions.Multiline)]
    private static partial Regex GlobalUsing();
}

/// <summary>One use of another folder's namespace: a using line, an alias, or a qualified name, with where it is.</summary>
public sealed partial record FolderReferences(string From, string To, string File, int Line, string Text)
{
    private static readonly string[] Folders = [.. StackLayerTests.LayersBottomUp];

    public override string ToString() => $"{File}:{Line}: {From} -> {To}: {Text.Trim()}";

    /// <summary>
    /// Every reference from a file of <paramref name="from"/> to another folder: `using Gateway.OpcUa.X` (also aliases
    /// and `using static`), `Gateway.OpcUa.X.` anywhere in code, and `X.Name` where X is a folder, since inside
    /// namespace Gateway.OpcUa.* a sibling namespace can be named without its prefix. Comments and strings are skipped.
    /// </summary>
    public static IEnumerable<FolderReferences> Find(string from, string file, string source)
    {
        var lines = WithoutCommentsAndStrings(source).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("namespace ", StringComparison.Ordinal))
            {
                continue;
            }

            var targets = FullyQualified().Matches(line).Select(m => m.Groups["folder"].Value)
                .Concat(PartlyQualified().Matches(line).Select(m => m.Groups["folder"].Value).Where(Folders.Contains))
                .Where(to => to != from)
                .Distinct();
            foreach (var to in targets)
            {
                yield return new FolderReferences(from, to, file, i + 1, line);
            }
        }
    }

    public static bool DeclaresNamespaceOf(string folder, string source) =>
        NamespaceFolder(source) == folder;

    public static string? NamespaceFolder(string source)
    {
        var match = NamespaceLine().Match(source);
        return match.Success ? match.Groups["folder"].Value : null;
    }

    /// <summary>Per folder, the folders it uses and in how many files: the map the layer order was decided from.</summary>
    public static string Table(IEnumerable<FolderReferences> references) =>
        string.Join('\n', references
            .GroupBy(r => (r.From, r.To))
            .OrderBy(g => g.Key.From, StringComparer.Ordinal).ThenBy(g => g.Key.To, StringComparer.Ordinal)
            .Select(g => $"{g.Key.From,-14} -> {g.Key.To,-14} in {g.Select(r => r.File).Distinct().Count()} file(s)"));

    private static string WithoutCommentsAndStrings(string source)
    {
        // Blank out, keeping the newlines, so that line numbers still match the file.
        return CommentOrString().Replace(source, m => new string(m.Value.Select(c => c == '\n' ? '\n' : ' ').ToArray()));
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)'", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?Gateway\.OpcUa\.(?<folder>\w+)")]
    private static partial Regex FullyQualified();

    [GeneratedRegex(@"(?<![\w.:])(?<folder>[A-Z]\w*)\.[A-Z]")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex(@"^\s*namespace\s+Gateway\.OpcUa\.(?<folder>\w+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
}
