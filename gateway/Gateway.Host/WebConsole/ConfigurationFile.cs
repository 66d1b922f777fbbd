using Gateway.Configuration;
using Gateway.Core;

namespace Gateway.Host.WebConsole;

/// <summary>The outcome of checking an edited configuration: the same `PATH:LINE:COLUMN: message` lines as `gateway validate`.</summary>
public sealed record ConfigurationCheck(bool Valid, IReadOnlyList<string> Problems, string Summary);

/// <summary>
/// The running configuration file for the console's Configuration page: shown with its secrets masked, an edited copy
/// checked exactly as `gateway validate` checks the file, and written back atomically (the hot reload then applies it,
/// as for any edit of the file). No second source of truth: the file is the configuration.
/// </summary>
public sealed class ConfigurationFile(string path, PluginCatalog plugins)
{
    /// <summary>What <see cref="SecretRegistry"/> puts in place of a secret.</summary>
    public const string Mask = "***";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The file as it is on disk, every secret value the loader saw replaced by ***.</summary>
    public string ReadMasked() => SecretRegistry.Process.Redact(File.ReadAllText(Path));

    /// <summary>
    /// Checks an edited copy: written beside the file (so that includes and relative paths resolve as they will), loaded
    /// by the same loader as `gateway validate`, then deleted; the messages name the real file.
    /// </summary>
    public ConfigurationCheck Check(string editedText)
    {
        if (Unmask(editedText) is not { } text)
        {
            return new ConfigurationCheck(false, [$"{Path}: a line still holds the mask {Mask} where the file has no such line: type the secret there, or use ${{file:PATH}} or ${{ENV}}"], "");
        }

        var scratch = ScratchPath(".check");
        try
        {
            File.WriteAllText(scratch, text);
            var result = ConfigurationLoader.Load(scratch, plugins);
            var problems = result.Errors.Select(e => e.ToString().Replace(scratch, Path, StringComparison.Ordinal)).ToList();
            return problems.Count > 0
                ? new ConfigurationCheck(false, problems, $"{problems.Count} problem(s) in {Path}")
                : new ConfigurationCheck(true, [], $"{Path}: valid: {ConfigurationSummary.Describe(result)}");
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    /// <summary>Checks the edited text and, when valid, replaces the file atomically (a rename over it). Returns the check.</summary>
    public ConfigurationCheck Apply(string editedText)
    {
        var check = Check(editedText);
        if (!check.Valid)
        {
            return check;
        }

        var temporary = ScratchPath(".apply");
        File.WriteAllText(temporary, Unmask(editedText)!);
        using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            written.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
        return check;
    }

    /// <summary>
    /// The edited text with each masked line put back as the file has it (the browser never saw the secret); null when
    /// a line holds the mask that no line of the file explains.
    /// </summary>
    private string? Unmask(string edited)
    {
        edited = edited.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!edited.Contains(Mask, StringComparison.Ordinal))
        {
            return edited;
        }

        var original = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllText(Path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            original.TryAdd(SecretRegistry.Process.Redact(line), line);
        }

        var lines = edited.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains(Mask, StringComparison.Ordinal))
            {
                continue;
            }

            if (!original.TryGetValue(lines[i], out var restored))
            {
                return null;
            }

            lines[i] = restored;
        }

        return string.Join('\n', lines);
    }

    // Not *.yaml: the configuration watcher reloads on any .yaml change in the directory.
    private string ScratchPath(string purpose) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, $".{System.IO.Path.GetFileName(Path)}{purpose}-{Guid.NewGuid():N}.tmp");
}
