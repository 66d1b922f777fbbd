using System.CommandLine;
using Gateway.Simulator;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway simulate`: runs the built-in machine simulator as a standalone OPC UA server.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        // The options type the YAML section binds to: its defaults and help here, its Validate below.
        var defaults = new SimulatorOptions();
        var port = OptionOf("--port", nameof(SimulatorOptions.Port), defaults.Port);
        var machines = OptionOf("--machines", nameof(SimulatorOptions.Machines), defaults.Machines);
        var tags = OptionOf("--tags-per-machine", nameof(SimulatorOptions.TagsPerMachine), defaults.TagsPerMachine);
        var rate = OptionOf("--rate-ms", nameof(SimulatorOptions.RateMs), defaults.RateMs);
        var bind = OptionOf("--bind", nameof(SimulatorOptions.Bind), defaults.Bind);
        var seed = OptionOf("--seed", nameof(SimulatorOptions.Seed), defaults.Seed);
        var timeScale = OptionOf("--time-scale", nameof(SimulatorOptions.TimeScale), defaults.TimeScale);
        var tickValues = OptionOf("--tick-values", nameof(SimulatorOptions.TickValues), defaults.TickValues);
        var startTick = OptionOf("--start-tick", nameof(SimulatorOptions.StartTick), defaults.StartTick);
        var machineTool = OptionOf("--machine-tool", nameof(SimulatorOptions.MachineTool), defaults.MachineTool);
        // `gateway simulate` serves a MELSEC PLC too (the YAML section's default is none, so tests never collide on a port).
        var melsecPort = OptionOf("--melsec-port", nameof(SimulatorOptions.MelsecPort), 5000);
        var maxTicks = OptionOf("--max-ticks", nameof(SimulatorOptions.MaxTicks), defaults.MaxTicks, " SIGUSR1 stops them too.");
        // The command line serves Modbus by default (the YAML key defaults to none, so tests never collide on a port).
        var modbusPort = OptionOf("--modbus-port", nameof(SimulatorOptions.ModbusPort), 5020, " Default here: 5020.");
        var command = new Command("simulate", "Run the built-in machine simulator (an OPC UA server, a Modbus TCP power meter and PLC, and a MELSEC PLC).") { port, machines, tags, rate, bind, seed, timeScale, tickValues, startTick, maxTicks, melsecPort, modbusPort, machineTool };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = defaults with
            {
                Port = parse.GetValue(port),
                ModbusPort = parse.GetValue(modbusPort),
                Machines = parse.GetValue(machines),
                TagsPerMachine = parse.GetValue(tags),
                RateMs = parse.GetValue(rate),
                Bind = parse.GetValue(bind)!,
                Seed = parse.GetValue(seed),
                TimeScale = parse.GetValue(timeScale),
                TickValues = parse.GetValue(tickValues),
                StartTick = parse.GetValue(startTick),
                MaxTicks = parse.GetValue(maxTicks),
                MelsecPort = parse.GetValue(melsecPort),
                MachineTool = parse.GetValue(machineTool),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"gateway simulate: {problem}");
                }

                return ExitCodes.Usage;
            }

            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            await using var simulator = await SimulatorServer.StartAsync(options, loggerFactory.CreateLogger<SimulatorServer>(), cancellationToken);
            parse.InvocationConfiguration.Output.WriteLine($"simulator: {options.Machines} machine(s), {simulator.Tags.Count} tag(s) at {simulator.EndpointUrl}{(simulator.Melsec is { } melsec ? $" and a MELSEC PLC (MC protocol) at {options.Bind}:{melsec.Port}" : "")}; Ctrl-C stops it");

            // SIGUSR1 freezes the values (the server keeps serving): a load test ends its run at a tick it can read from the log.
            using var freeze = OperatingSystem.IsWindows() ? null : System.Runtime.InteropServices.PosixSignalRegistration.Create(
                (System.Runtime.InteropServices.PosixSignal)10, context =>
                {
                    context.Cancel = true;
                    simulator.FreezeValues();
                });
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<T> OptionOf<T>(string name, string property, T defaultValue, string more = "") =>
        new(name) { Description = SimulatorOptions.Describe(property) + more, DefaultValueFactory = _ => defaultValue };
}
