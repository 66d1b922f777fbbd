using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Host.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>Builds and runs the service host: console, systemd (Type=notify, journald) or Windows service.</summary>
public static class GatewayHost
{
    public static Task<int> RunAsync(string configPath, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(configPath, GatewayPlugins.Create(), output, error, cancellationToken);

    /// <param name="plugins">The source and sink kinds to run with (tests add their own to <see cref="GatewayPlugins.Create"/>).</param>
    public static async Task<int> RunAsync(string configPath, PluginCatalog plugins, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var loaded = ConfigurationLoader.Load(configPath, plugins);
        if (loaded.Errors.Count > 0 || loaded.Config is null)
        {
            foreach (var problem in loaded.Errors)
            {
                error.WriteLine(problem.ToString());
            }

            error.WriteLine($"gateway: not started: {loaded.Errors.Count} problem(s) in {configPath}. Fix them (`gateway validate --config {configPath}` lists them again).");
            return ExitCodes.InvalidConfiguration;
        }

        var config = loaded.Config;
        output.WriteLine($"gateway {BuildInfo.Version}: starting with {configPath} ({ConfigurationSummary.Describe(loaded)})");

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = Path.GetDirectoryName(configPath) ?? Environment.CurrentDirectory,
            DisableDefaults = false,
        });
        ConfigureLogging(builder.Logging, config.Logging);
        // The web console's Logs page: the last lines, kept in memory (and masked like every other provider's).
        var recentLogLines = new Gateway.Host.WebConsole.RecentLogLines();
        builder.Logging.AddProvider(recentLogLines);
        builder.Services.AddSingleton(recentLogLines);
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(options => options.ServiceName = "ChangwonEdgeGateway");
        builder.Services.Configure<HostOptions>(options =>
        {
            options.ShutdownTimeout = TimeSpan.FromSeconds(config.Gateway.ShutdownTimeoutSeconds);
            // One failing part must not take the process down with it; the runtime reports its own faults.
            options.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(plugins);
        builder.Services.AddSingleton(new GatewayStartup(configPath, loaded));
        // The simulator first: hosted services start in order (it listens before any source connects) and stop in reverse.
        builder.Services.AddSingleton<SimulatorService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SimulatorService>());
        builder.Services.AddSingleton<GatewayService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayService>());
        if (GlibcMalloc.Available)
        {
            builder.Services.AddHostedService<NativeMemoryTrimService>();
        }

        // Last, after every provider is registered: each is wrapped so that no secret reaches any log sink.
        SecretRedactingLoggerProvider.WrapAll(builder.Services, SecretRegistry.Process);
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<GatewayService>();
        var simulator = host.Services.GetRequiredService<SimulatorService>();
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM during start-up: a normal stop.
        }

        return (simulator.Fault ?? service.Fault) switch
        {
            null => ExitCodes.Ok,
            // A setting the runtime refused that the loader's checks let through: still the configuration's fault.
            ArgumentException or FormatException => ExitCodes.InvalidConfiguration,
            _ => ExitCodes.RuntimeError,
        };
    }

    public static void ConfigureLogging(ILoggingBuilder logging, LoggingConfig config)
    {
        logging.ClearProviders();
        if (string.Equals(config.Format, "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = LocalTimestamp.Pattern;

                // A log line is not HTML: keep '+09:00' and apostrophes readable instead of \u002B and \u0027.
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = LocalTimestamp.Pattern + " ";
            });
        }

        logging.SetMinimumLevel(ParseLevel(config.Level));
        // The hosting framework's own chatter stays at Warning unless asked for.
        logging.AddFilter("Microsoft", LogLevel.Warning);
        foreach (var (category, level) in config.Overrides)
        {
            logging.AddFilter(category, ParseLevel(level));
        }
    }

    public static LogLevel ParseLevel(string text) =>
        Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) ? level : LogLevel.Information;
}

/// <summary>What the command line hands the service: the file it was started with and its first load.</summary>
public sealed record GatewayStartup(string ConfigPath, ConfigurationResult Initial);
