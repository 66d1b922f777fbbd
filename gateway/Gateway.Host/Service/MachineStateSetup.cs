using Gateway.Configuration;
using Gateway.Core;
using Gateway.MachineState;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>The machine-state calculation for a configuration: one tracker per machine whose template has state rules.</summary>
internal static class MachineStateSetup
{
    /// <summary>The engine between normalization and the buffer; null when `oee:` is absent, off, or names no machine's template.</summary>
    public static MachineStateEngine? Create(ConfigurationResult loaded, IReadingWriter buffer, string dataDirectory, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var config = loaded.Config!;
        if (config.Oee is not { Enabled: true } options)
        {
            return null;
        }

        var labelsByMachine = new Dictionary<string, LabelSet>(StringComparer.Ordinal);
        foreach (var tag in loaded.Tags)
        {
            labelsByMachine.TryAdd(tag.Machine, tag.Labels);
        }

        var machines = config.Sources
            .Where(s => s.Enabled)
            .SelectMany(s => s.Machines.Where(m => m.Template is not null && options.Templates.ContainsKey(m.Template))
                .Select(m => new TrackedMachine(s.Name, m.Name, m.Template!, labelsByMachine.GetValueOrDefault(m.Name) ?? LabelSet.From(config.Gateway.Labels))))
            .ToList();
        if (machines.Count == 0)
        {
            return null;
        }

        return new MachineStateEngine(
            options,
            machines,
            buffer,
            Path.Combine(dataDirectory, MachineStateEngine.DefaultStateFileName),
            time,
            loggerFactory.CreateLogger<MachineStateEngine>());
    }
}
