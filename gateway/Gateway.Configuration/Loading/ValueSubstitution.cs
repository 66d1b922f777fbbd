using System.Text;

namespace Gateway.Configuration.Loading;

/// <summary>
/// The outcome of substituting one scalar: the text, the contents of the secret files in it (each a secret on its own,
/// as `url: http://${file:host}:8086` may be quoted in part), and the problems.
/// </summary>
internal readonly record struct SubstitutedValue(string Text, IReadOnlyList<string> SecretFileContents, IReadOnlyList<(int Offset, string Message)> Problems)
{
    public bool FromSecretFile => SecretFileContents.Count > 0;
}

/// <summary>
/// Expands <c>${NAME}</c>, <c>${NAME:-default}</c> (environment) and <c>${file:PATH}</c> (file contents, one trailing
/// newline removed) inside a scalar. <c>$${</c> is a literal <c>${</c>. Problems carry the offset of the <c>${</c>
/// in the scalar so that the error points at the substitution itself.
/// </summary>
internal sealed class ValueSubstitution
{
    private readonly Func<string, string?> _environment;
    private readonly Action<string> _fileRead;

    public ValueSubstitution(Func<string, string?> environment, Action<string> fileRead)
    {
        _environment = environment;
        _fileRead = fileRead;
    }

    public SubstitutedValue Apply(string raw, string baseDirectory)
    {
        if (!raw.Contains("${", StringComparison.Ordinal))
        {
            return new SubstitutedValue(raw, [], []);
        }

        var text = new StringBuilder(raw.Length);
        var problems = new List<(int, string)>();
        var fileContents = new List<string>();
        var i = 0;
        while (i < raw.Length)
        {
            if (raw[i] == '$' && i + 2 < raw.Length && raw[i + 1] == '$' && raw[i + 2] == '{')
            {
                text.Append("${");
                i += 3;
                continue;
            }

            if (raw[i] != '$' || i + 1 >= raw.Length || raw[i + 1] != '{')
            {
                text.Append(raw[i]);
                i++;
                continue;
            }

            var close = raw.IndexOf('}', i + 2);
            if (close < 0)
            {
                problems.Add((i, "unclosed '${' (write $${ for a literal '${')"));
                break;
            }

            var body = raw[(i + 2)..close];
            if (body.StartsWith("file:", StringComparison.Ordinal))
            {
                var content = ReadSecretFile(body[5..], baseDirectory, i, problems);
                fileContents.Add(content);
                text.Append(content);
            }
            else
            {
                text.Append(ReadVariable(body, i, problems));
            }

            i = close + 1;
        }

        return new SubstitutedValue(text.ToString(), fileContents, problems);
    }

    private string ReadVariable(string body, int offset, List<(int, string)> problems)
    {
        var separator = body.IndexOf(":-", StringComparison.Ordinal);
        var name = separator >= 0 ? body[..separator] : body;
        var fallback = separator >= 0 ? body[(separator + 2)..] : null;
        if (!IsVariableName(name))
        {
            problems.Add((offset, $"'${{{body}}}' is not a valid substitution; use ${{NAME}}, ${{NAME:-default}} or ${{file:PATH}}"));
            return "";
        }

        var value = _environment(name);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        if (fallback is not null)
        {
            return fallback;
        }

        problems.Add((offset, $"environment variable '{name}' is not set; set it or write ${{{name}:-default}}"));
        return "";
    }

    private string ReadSecretFile(string path, string baseDirectory, int offset, List<(int, string)> problems)
    {
        if (path.Length == 0)
        {
            problems.Add((offset, "${file:} needs a path, e.g. ${file:secrets/mqtt-password}"));
            return "";
        }

        var full = Path.GetFullPath(Path.Combine(baseDirectory, path));
        _fileRead(full);
        try
        {
            var content = File.ReadAllText(full);

            // Trim exactly one trailing newline: `echo secret > file` adds one; anything else is the secret.
            if (content.EndsWith("\r\n", StringComparison.Ordinal))
            {
                return content[..^2];
            }

            return content.EndsWith('\n') ? content[..^1] : content;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message;
            problems.Add((offset, $"cannot read secret file '{path}' ({full}): {reason}"));
            return "";
        }
    }

    private static bool IsVariableName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
