namespace Gateway.Host.CommandLine;

/// <summary>Where `--config` points when it is not given.</summary>
public static class ConfigPath
{
    public const string DefaultRelative = "config/gateway.yaml";

    /// <summary>`config/gateway.yaml` relative to the working directory, else next to the executable.</summary>
    public static string Resolve(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given))
        {
            return Path.GetFullPath(given);
        }

        var inWorkingDirectory = Path.GetFullPath(DefaultRelative);
        if (File.Exists(inWorkingDirectory))
        {
            return inWorkingDirectory;
        }

        var besideExecutable = Path.Combine(AppContext.BaseDirectory, DefaultRelative);
        return File.Exists(besideExecutable) ? besideExecutable : inWorkingDirectory;
    }
}
