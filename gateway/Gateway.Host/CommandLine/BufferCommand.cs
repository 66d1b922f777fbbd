using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Buffer;
using Gateway.Configuration;
using Gateway.Configuration.Binding;
using Gateway.Configuration.Model;
using Gateway.Core;
using Gateway.Host.Logging;
using Gateway.Host.Service;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway buffer stats|dump|dead-letters`: what is still waiting in the buffer, per sink, and what the destinations
/// refused for good. Works while the service is stopped (and, read-only, while it runs), for the engineer who asks
/// "what is still stuck here?".
/// </summary>
public static class BufferCommand
{
    public static Command Create()
    {
        var command = new Command("buffer", "Inspect the store-and-forward buffer.");
        command.Subcommands.Add(CreateStats());
        command.Subcommands.Add(CreateDump());
        command.Subcommands.Add(CreateDeadLetters());
        return command;
    }

    private static Command CreateDeadLetters()
    {
        var config = GatewayCommandLine.ConfigOption();
        var sink = new Option<string?>("--sink") { Description = "Only this sink's dead letters.", HelpName = "NAME" };
        var lines = new Option<bool>("--lines") { Description = "Print the dead letters themselves, one JSON object per line, instead of the summary." };
        var command = new Command(
            "dead-letters",
            $"Per sink: readings the destination refused for good (DATA_DIRECTORY/{DeadLetterFile.FolderName}/SINK.jsonl), how many, the newest and why.")
        { config, sink, lines };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!TryLoad(parse.GetValue(config), error, out _, out var gateway))
            {
                return ExitCodes.InvalidConfiguration;
            }

            var dataDirectory = Path.GetFullPath(gateway.Gateway.DataDirectory);
            var name = parse.GetValue(sink);
            var files = DeadLetterFile.Summarize(dataDirectory).Where(f => name is null || f.Sink == name).ToList();
            var folder = Path.Combine(dataDirectory, DeadLetterFile.FolderName);
            if (files.Count == 0)
            {
                // An empty answer is good news, but it says where it looked, so a wrong --config is not mistaken for it.
                output.WriteLine(name is null ? $"no dead letters in {folder}" : $"no dead letters of sink '{name}' in {folder}");
                return ExitCodes.Ok;
            }

            if (parse.GetValue(lines))
            {
                foreach (var file in files)
                {
                    foreach (var line in File.ReadLines(file.Path).Where(l => !string.IsNullOrWhiteSpace(l)))
                    {
                        output.WriteLine(line);
                    }
                }

                return ExitCodes.Ok;
            }

            output.WriteLine($"dead letters in {folder}:");
            output.WriteLine($"{"SINK",-20} {"COUNT",8}  {"NEWEST",-29}  REASON (of the newest)");
            foreach (var file in files)
            {
                var newest = file.Newest is { } time ? LocalTimestamp.Format(time) : "-";
                var unreadable = file.Unreadable > 0 ? $" ({file.Unreadable} unreadable line(s))" : "";
                output.WriteLine($"{file.Sink,-20} {file.Count,8}  {newest,-29}  {file.NewestReason ?? "-"}{unreadable}");
            }

            output.WriteLine("Each line holds the refused reading (`--lines` prints them); fix the cause and send them again from there. The gateway never deletes these files.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateStats()
    {
        var config = GatewayCommandLine.ConfigOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("stats", "Per sink: pending readings, oldest pending age, dropped and corrupt counts, bytes on disk.") { config, json };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!TryFindBuffer(parse.GetValue(config), parse.InvocationConfiguration.Error, out var directory, out _))
            {
                return ExitCodes.InvalidConfiguration;
            }

            var stats = BufferInspector.ReadStatistics(directory);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(stats, BufferInspector.JsonOptions));
                return ExitCodes.Ok;
            }

            output.WriteLine($"buffer {stats.Directory}: {stats.Segments} segment(s), {FormatBytes(stats.BytesOnDisk)}, last sequence {stats.LastSequence}, corrupt {stats.Corrupt}");
            output.WriteLine($"{"SINK",-20} {"PENDING",12} {"OLDEST",12} {"DROPPED",10}  CONFIGURED");
            foreach (var sink in stats.Sinks)
            {
                var age = sink.OldestPendingAge is { } a ? FormatAge(a) : "-";
                output.WriteLine($"{sink.Sink,-20} {sink.Pending,12} {age,12} {sink.Dropped,10}  {(sink.Configured ? "yes" : "no")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateDump()
    {
        var config = GatewayCommandLine.ConfigOption();
        var sink = new Option<string?>("--sink") { Description = "Only what this sink has not received yet.", HelpName = "NAME" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line (the default and only format)." };
        var command = new Command("dump", "Print the pending readings, one JSON object per line.") { config, sink, json };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!TryFindBuffer(parse.GetValue(config), error, out var directory, out var loaded))
            {
                return ExitCodes.InvalidConfiguration;
            }

            var name = parse.GetValue(sink);
            if (name is not null)
            {
                // Checked here rather than left to the inspector's exception: the operator gets the names to choose from, not a stack.
                var cursors = BufferInspector.ReadCursorPositions(directory).Keys.Order(StringComparer.Ordinal).ToList();
                if (!cursors.Contains(name, StringComparer.Ordinal))
                {
                    var configured = loaded.Sinks.Select(s => s.Name).ToList();
                    var hint = NameSuggestion.Closest(name, cursors.Concat(configured).Distinct(StringComparer.Ordinal)) is { } close ? $" Did you mean '{close}'?" : "";
                    var there = cursors.Count == 0 ? "none yet" : string.Join(", ", cursors);
                    var notYet = configured.Contains(name, StringComparer.Ordinal)
                        ? $" Sink '{name}' is configured but has not run yet, so the buffer holds nothing for it."
                        : $" Configured sinks: {(configured.Count == 0 ? "none" : string.Join(", ", configured))}.";
                    error.WriteLine($"gateway buffer dump: no sink '{name}' in the buffer {directory}.{hint} Sinks in the buffer: {there}.{notYet}");
                    return ExitCodes.InvalidConfiguration;
                }
            }

            BufferInspector.WriteJsonLines(directory, name, parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Loads the configuration the verb names; on errors prints them and returns false.</summary>
    private static bool TryLoad(string? configOption, TextWriter error, out string path, out GatewayConfig config)
    {
        path = ConfigPath.Resolve(configOption);
        var loaded = ConfigurationLoader.Load(path, GatewayPlugins.Create());
        config = loaded.Config!;
        if (loaded.Config is not null)
        {
            return true;
        }

        foreach (var problem in loaded.Errors)
        {
            error.WriteLine(problem.ToString());
        }

        return false;
    }

    private static bool TryFindBuffer(string? configOption, TextWriter error, out string directory, out GatewayConfig config)
    {
        if (!TryLoad(configOption, error, out var path, out config))
        {
            directory = "";
            return false;
        }

        directory = config.Buffer.ToOptions(Path.GetFullPath(config.Gateway.DataDirectory)).Directory;
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"{path}: the buffer directory {directory} does not exist yet (the gateway has not run with this configuration).");
            return false;
        }

        return true;
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1073741824.0).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };

    private static string FormatAge(TimeSpan age) => age.TotalSeconds switch
    {
        < 120 => $"{age.TotalSeconds:0}s",
        < 7200 => $"{age.TotalMinutes:0}m",
        < 172800 => $"{age.TotalHours:0.0}h",
        _ => $"{age.TotalDays:0.0}d",
    };
}
