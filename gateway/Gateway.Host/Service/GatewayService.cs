using Gateway.Configuration;
using Gateway.Core;
using Gateway.Host.Monitoring;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>
/// The service: runs the data path for the configuration it was started with, applies hot reloads (a valid change is
/// applied, an invalid one is logged and the running configuration stays), and on stop shuts the parts down in the order
/// that loses nothing.
/// </summary>
public sealed class GatewayService : BackgroundService
{
    private readonly GatewayStartup _startup;
    private readonly PluginCatalog _plugins;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<GatewayService> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly SimulatorService _simulator;
    private readonly SemaphoreSlim _runtimeLock = new(1, 1);
    private readonly ConnectionWatch _connections = new();
    private readonly Gateway.Host.WebConsole.RecentLogLines? _logLines;
    private GatewayRuntime? _runtime;
    // Completed (and replaced) when a reload put a new runtime, with a new buffer, in place: the fault watch then
    // watches that one.
    private TaskCompletionSource _runtimeReplaced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MonitoringEndpoint? _monitoring;
    private Gateway.Host.WebConsole.WebConsoleServer? _console;

    public GatewayService(
        GatewayStartup startup,
        PluginCatalog plugins,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        SimulatorService simulator,
        Gateway.Host.WebConsole.RecentLogLines? logLines = null)
    {
        _logLines = logLines;
        _lifetime = lifetime;
        _simulator = simulator;
        _startup = startup;
        _plugins = plugins;
        _loggerFactory = loggerFactory;
        _time = time;
        _logger = loggerFactory.CreateLogger<GatewayService>();
    }

    /// <summary>Set when the service stopped because of an unrecoverable error.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>The running data path (null before start and after stop).</summary>
    public GatewayRuntime? Runtime => _runtime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loaded = _startup.Initial;
        if (_simulator.Fault is not null)
        {
            // The simulator said why and stopped the host (its fault sets the exit code): read nothing, least of all a
            // stranger on its port. The host normally does not even start this service then.
            return;
        }

        try
        {
            _runtime = await GatewayRuntime.StartAsync(loaded, _plugins, _loggerFactory, _time, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Said once, without a stack trace: rethrowing would make the host log it again, with one, and fail the run.
            Fault = e;
            _logger.LogCritical("Gateway could not start: {Message}", e.Message);
            _lifetime.StopApplication();
            return;
        }

        var config = loaded.Config!;
        await using var monitoring = StartMonitoring(config.Gateway.Name, config.Http);
        await using var health = new HealthMeasurementReporter(() => _runtime, _connections, _loggerFactory.CreateLogger<HealthMeasurementReporter>(), _time);
        health.Start();
        _logger.LogInformation(
            "Gateway {Name} running: {Summary}",
            config.Gateway.Name,
            ConfigurationSummary.Describe(loaded));

        using var watcher = new ConfigurationWatcher(loaded, _plugins, _loggerFactory.CreateLogger<ConfigurationWatcher>());
        watcher.Changed += (_, change) => _ = ApplyAsync(change, stoppingToken);
        watcher.Rejected += (_, rejected) => _logger.LogError(
            "Configuration change in {Path} rejected ({Count} problem(s), listed above); the running configuration stays.",
            rejected.Rejected.Path,
            rejected.Rejected.Errors.Count);
        watcher.Start();

        try
        {
            await WatchForBufferFaultAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// A write error (not a full disk, which heals by itself) stops the buffer's ingest for good: the process then exits
    /// with code 3 so that the service manager restarts it, and the buffer's recovery on open keeps what was committed.
    /// </summary>
    private async Task WatchForBufferFaultAsync(CancellationToken stoppingToken)
    {
        // Awaits the buffer's fault rather than looking every second (issue 26: an idle gateway should not wake up
        // for nothing).
        while (true)
        {
            // Read before the runtime: a reload after this line completes it, so a new buffer is never missed.
            var replaced = Volatile.Read(ref _runtimeReplaced).Task;
            if (_runtime is not { } runtime)
            {
                await replaced.WaitAsync(stoppingToken);
                continue;
            }

            var faulted = runtime.Buffer.Faulted;
            await Task.WhenAny(faulted, replaced).WaitAsync(stoppingToken);
            if (faulted.IsCompleted)
            {
                var fault = faulted.Result;
                Fault = fault;
                _logger.LogCritical(
                    "Gateway stopping with exit code {Code}: the buffer cannot write ({Message}). The service manager restarts it; the buffer keeps every reading it committed.",
                    Gateway.Host.CommandLine.ExitCodes.RuntimeError,
                    fault.Message);
                _lifetime.StopApplication();
                return;
            }
        }
    }

    private MonitoringEndpoint? StartMonitoring(string gatewayName, Gateway.Configuration.Model.HttpConfig http)
    {
        if (!http.Enabled)
        {
            return null;
        }

        var metrics = new GatewayMetrics(gatewayName, () => _runtime, _connections);
        GatewayHealth Health() => GatewayMetrics.Health(gatewayName, _runtime);
        MonitoringEndpoint endpoint;
        Gateway.Host.WebConsole.WebConsoleServer console;
        try
        {
            // The web console (docs/console.md) shares the listener; it reads the running configuration and the same file.
            console = new Gateway.Host.WebConsole.WebConsoleServer(http, _startup.ConfigPath, _plugins, () => _runtime, Health, _logLines, _loggerFactory.CreateLogger("Gateway.Console"));
            endpoint = new MonitoringEndpoint(http.Listen, Health, metrics.Registry, _loggerFactory.CreateLogger<MonitoringEndpoint>(), console, Gateway.Host.WebConsole.WebConsoleServer.LoadTlsCertificate(http.Tls));
        }
        catch (InvalidOperationException e)
        {
            _logger.LogError("Monitoring endpoint {Listen} not started: {Message}", http.Listen, e.Message);
            return null;
        }

        try
        {
            endpoint.Start();
            _monitoring = endpoint;
            _console = console;
            _logger.LogInformation("Metrics at {Url}/metrics, health at {Url}/readyz, status at {Url}/status", endpoint.Url, endpoint.Url, endpoint.Url);
            if (http.Console.Enabled)
            {
                _logger.LogInformation(
                    "Web console at {Url}/ ({Access})",
                    endpoint.Url,
                    console.Security.LoginRequired ? "login required" : "loopback only, no login");
            }

            return endpoint;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // The data path matters more than the dashboard: keep running without the listener.
            _logger.LogError("Monitoring endpoint {Prefix} could not start: {Message}. Is the port in use? Set http.listen to another address.", endpoint.Prefix, e.Message);
            return null;
        }
    }

    /// <summary>
    /// The console's users and its TLS certificate follow a reload (docs/console.md); the listen address, switching TLS
    /// on or off and enabling the console are read at start (they change the URL or the listener), so those say so.
    /// </summary>
    private void ApplyHttp(Gateway.Configuration.Model.HttpConfig before, Gateway.Configuration.Model.HttpConfig after)
    {
        if (_console is null || _monitoring is null)
        {
            return;
        }

        var ended = _console.Security.ReplaceUsers(after);
        _logger.LogInformation("Web console: {Users} user(s) from the reloaded configuration; {Ended} session(s) of removed or changed users ended", after.Console.Users.Count, ended);
        if (after.Tls is not null && before.Tls is not null && after.Listen == before.Listen)
        {
            try
            {
                if (Gateway.Host.WebConsole.WebConsoleServer.LoadTlsCertificate(after.Tls) is { } certificate && _monitoring.ReplaceTlsCertificate(certificate))
                {
                    _logger.LogInformation("Web console: TLS certificate {Subject} (thumbprint {Thumbprint}) from {File} serves the next connections", certificate.Subject, certificate.Thumbprint, after.Tls.Certificate);
                }
            }
            catch (InvalidOperationException e)
            {
                _logger.LogError("Web console: keeping the TLS certificate in use: {Message}", e.Message);
            }
        }

        if (after.Listen != before.Listen || (after.Tls is null) != (before.Tls is null) || after.Enabled != before.Enabled || after.Console.Enabled != before.Console.Enabled
            || after.Console.RequireLogin != before.Console.RequireLogin || after.Console.SessionMinutes != before.Console.SessionMinutes
            || after.Console.TrendMinutes != before.Console.TrendMinutes || !after.Console.OpenEndpoints.SequenceEqual(before.Console.OpenEndpoints))
        {
            _logger.LogWarning("Web console: http.listen, switching http.tls on or off, enabled, requireLogin, sessionMinutes, trendMinutes and openEndpoints are read at start: restart the service to apply that change");
        }
    }

    private async Task ApplyAsync(ConfigurationChangedEventArgs change, CancellationToken stoppingToken)
    {
        if (change.Diff.ChangedSections.Contains("http") && change.Previous.Config is { } previous && change.Current.Config is { } current)
        {
            ApplyHttp(previous.Http, current.Http);
        }

        await _runtimeLock.WaitAsync(stoppingToken);
        try
        {
            if (_runtime is null || stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (await _runtime.TryApplyAsync(change.Current, change.Diff))
            {
                _logger.LogInformation(
                    "Configuration reloaded: sources started {Started}, stopped {Stopped}",
                    string.Join(",", change.Diff.Sources.ToStart),
                    string.Join(",", change.Diff.Sources.ToStop));
                return;
            }

            _logger.LogInformation("Configuration reloaded: sinks, buffer or gateway changed; restarting the data path (the buffer keeps every reading)");
            await _runtime.StopAsync(stoppingToken);
            if (change.Diff.ChangedSections.Contains("simulator"))
            {
                // Between the stop and the start: the sources find the new simulator listening, as at start.
                await _simulator.RestartAsync(change.Current.Config!.Simulator, stoppingToken);
            }

            _runtime = await GatewayRuntime.StartAsync(change.Current, _plugins, _loggerFactory, _time, stoppingToken);
            Interlocked.Exchange(ref _runtimeReplaced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError("Applying the configuration change failed: {Message}", e.Message);
        }
        finally
        {
            _runtimeLock.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _runtimeLock.WaitAsync(cancellationToken);
        try
        {
            if (_runtime is not null)
            {
                await _runtime.StopAsync(cancellationToken);
                var (level, summary) = ShutdownSummary.Describe(_runtime.Buffer);
                _runtime = null;
                _logger.Log(level, "{Summary}", summary);
            }
        }
        finally
        {
            _runtimeLock.Release();
        }
    }
}
