using System.CommandLine;
using Gateway.Simulator;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway simulate`: runs the built-in machine simulator as a standalone OPC UA server.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port).", DefaultValueFactory = _ => 4840 };
        var machines = new Option<int>("--machines") { Description = "Number of machines (cnc, cnc, press, mould, repeating).", DefaultValueFactory = _ => 4 };
        var tags = new Option<int>("--tags-per-machine") { Description = "Fill each machine up to this many tags with generated ones (load tests).", DefaultValueFactory = _ => 0 };
        var rate = new Option<int>("--rate-ms") { Description = "How often values change, in milliseconds.", DefaultValueFactory = _ => 1000 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var seed = new Option<int>("--seed") { Description = "Random seed, for reproducible runs.", DefaultValueFactory = _ => 1 };
        var timeScale = new Option<double>("--time-scale") { Description = "Machine time per wall-clock time (1 = real time).", DefaultValueFactory = _ => 1 };
        var tickValues = new Option<bool>("--tick-values") { Description = "Load tests: generated tags change every tick to a pure function of (machine, tag, tick), so a checker can recompute them." };
        var startTick = new Option<long>("--start-tick") { Description = "With --tick-values: the first tick's number (continue after a restart).", DefaultValueFactory = _ => 0 };
        var maxTicks = new Option<long>("--max-ticks") { Description = "Stop moving values after this many ticks (0 = never); the server keeps serving. SIGUSR1 stops them too.", DefaultValueFactory = _ => 0 };
        var command = new Command("simulate", "Run the built-in machine simulator (an OPC UA server).") { port, machines, tags, rate, bind, seed, timeScale, tickValues, startTick, maxTicks };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SimulatorOptions
            {
                Port = parse.GetValue(port),
                Machines = parse.GetValue(machines),
                TagsPerMachine = parse.GetValue(tags),
                RateMs = parse.GetValue(rate),
                Bind = parse.GetValue(bind)!,
                Seed = parse.GetValue(seed),
                TimeScale = parse.GetValue(timeScale),
                TickValues = parse.GetValue(tickValues),
                StartTick = parse.GetValue(startTick),
                MaxTicks = parse.GetValue(maxTicks),
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
            parse.InvocationConfiguration.Output.WriteLine($"simulator: {options.Machines} machine(s), {simulator.Tags.Count} tag(s) at {simulator.EndpointUrl}; Ctrl-C stops it");

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
}
