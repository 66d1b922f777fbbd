using Gateway.Simulator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>
/// The built-in simulator, a hosted service of its own beside the data path. Registered before
/// <see cref="GatewayService"/>, so that it listens before the first source connects and stops after the last one
/// has disconnected. A simulator that cannot listen stops the host before the data path starts: the sources would
/// otherwise read whatever other server holds the port, and report its tags (or its rejections) as the shop's.
/// </summary>
public sealed class SimulatorService : IHostedService, IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<SimulatorService> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private SimulatorOptions? _options;

    public SimulatorService(GatewayStartup startup, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime)
    {
        _options = startup.Initial.Config?.Simulator;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SimulatorService>();
        _lifetime = lifetime;
    }

    /// <summary>The running simulator (null when the configuration does not enable it, or before start and after stop).</summary>
    public SimulatorServer? Simulator { get; private set; }

    /// <summary>Set when the simulator could not start; the data path then does not start either.</summary>
    public Exception? Fault { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StartSimulatorAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            // Said once, without a stack trace; GatewayHost exits 3 on this fault, and GatewayService reads nothing.
            Fault = e;
            _logger.LogCritical("Gateway could not start: {Message}", e.Message);
            _lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Stops the simulator and starts it again with the reloaded section (the data path is stopped meanwhile, so no
    /// source notices). Throws when the new one cannot listen.
    /// </summary>
    public async Task RestartAsync(SimulatorOptions? options, CancellationToken cancellationToken)
    {
        await StopSimulatorAsync();
        _options = options;
        await StartSimulatorAsync(cancellationToken);
    }

    private async Task StartSimulatorAsync(CancellationToken cancellationToken)
    {
        if (_options is not { Enabled: true } options)
        {
            return;
        }

        try
        {
            Simulator = await SimulatorServer.StartAsync(options, _loggerFactory.CreateLogger<SimulatorServer>(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the built-in simulator cannot listen on {options.Bind}:{options.Port} ({e.InnerException?.Message ?? e.Message}). " +
                "Another program holds the port: stop it, or move the simulator with simulator.port " +
                "(in the embedded default: GATEWAY_SIMULATOR_PORT=4841).",
                e);
        }

        _logger.LogInformation("Simulator: {Machines} machine(s), {Tags} tag(s) at {Endpoint}", options.Machines, Simulator.Tags.Count, Simulator.EndpointUrl);
    }

    public Task StopAsync(CancellationToken cancellationToken) => StopSimulatorAsync();

    private async Task StopSimulatorAsync()
    {
        if (Simulator is { } simulator)
        {
            Simulator = null;
            await simulator.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopSimulatorAsync();
}
