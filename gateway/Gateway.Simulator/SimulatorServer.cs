using System.Diagnostics;
using Gateway.Melsec.Server;
using Gateway.OpcUa.Server;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.Simulator.Machines;
using Gateway.Simulator.Melsec;
using Gateway.Simulator.Modbus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Simulator;

/// <summary>
/// The built-in machine simulator: an OPC UA server whose address space is a simulated shop (CNC machines, presses,
/// injection moulding machines, optional generated load-test tags), with values moving every <see cref="SimulatorOptions.RateMs"/>.
/// Node ids are <c>ns=2;s=&lt;machine&gt;/&lt;folder&gt;/&lt;tag&gt;</c> in namespace <see cref="NamespaceUri"/>; see README.md.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    public const string NamespaceUri = "urn:changwon-gateway:simulator";

    public const string ApplicationUri = "urn:changwon-gateway:simulator:server";

    private readonly UaServer _server;
    private readonly SimulatedShop _shop;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _ticker;
    private volatile bool _frozen;
    private ModbusShopServer? _modbus;

    private SimulatorServer(SimulatorOptions options, UaServer server, SimulatedShop shop, ILogger logger)
    {
        Options = options;
        _server = server;
        _shop = shop;
        _logger = logger;
    }

    public SimulatorOptions Options { get; }

    /// <summary>The endpoint to connect to, e.g. <c>opc.tcp://127.0.0.1:4840</c>.</summary>
    public string EndpointUrl => _server.EndpointUrl;

    /// <summary>The bound port (the chosen one when the options said 0).</summary>
    public int Port => _server.Port;

    /// <summary>Every simulated tag with its node id, data type and unit.</summary>
    public IReadOnlyList<SimulatedTag> Tags => _shop.Tags;

    /// <summary>Ticks run so far (the first values count as one).</summary>
    public long Steps => _shop.Steps;

    public UaServer Server => _server;

    /// <summary>The simulated machines, in shop order (the CNCs can be driven into alarm for tests).</summary>
    public IReadOnlyList<SimulatedMachine> Machines => _shop.Machines;

    /// <summary>What each machine did per tick (null unless <see cref="SimulatorOptions.RecordSchedule"/>).</summary>
    public SimulatorSchedule? Schedule => _shop.Schedule;

    /// <summary>The MELSEC PLC (MC protocol) serving the same machines, when <see cref="SimulatorOptions.MelsecPort"/> asked for one.</summary>
    public McServer? Melsec { get; private set; }

    /// <summary>Which device holds which simulated value in <see cref="Melsec"/>'s memory.</summary>
    public MelsecDeviceMap? MelsecMap { get; private set; }
    /// <summary>The port of the shop's Modbus TCP server (power meter and PLC), or null when <see cref="SimulatorOptions.ModbusPort"/> is -1 (none) or its port was taken.</summary>
    public int? ModbusPort => _modbus?.Port;

    /// <summary>The tags a simulator with these options advertises, without starting one.</summary>
    public static IReadOnlyList<SimulatedTag> DescribeTags(SimulatorOptions options) =>
        new SimulatedShop(options, new UaAddressSpace(ApplicationUri)).Tags;

    public static Task<SimulatorServer> StartAsync(SimulatorOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, new ServerLimits(), logger, cancellationToken);

    /// <param name="limits">The OPC UA server's limits (tests set low ones, e.g. subscriptions per session).</param>
    public static async Task<SimulatorServer> StartAsync(SimulatorOptions options, ServerLimits limits, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        var serverOptions = new UaServerOptions
        {
            Limits = limits,
            BindAddress = options.Bind,
            Port = options.Port,
            ApplicationUri = ApplicationUri,
            ApplicationName = "Changwon Gateway machine simulator",
            AllowAnonymous = options.AllowAnonymous,
            Users = options.Users,
        };
        var space = new UaAddressSpace(ApplicationUri, serverOptions.Limits) { ProductName = "Changwon Gateway machine simulator" };
        var shop = new SimulatedShop(options, space);
        var server = new UaServer(space, serverOptions, logger);
        await server.StartAsync(cancellationToken);
        var simulator = new SimulatorServer(options, server, shop, logger);
        if (options.MelsecPort >= 0)
        {
            simulator.StartMelsec(shop);
        }

        if (options.ModbusPort >= 0)
        {
            try
            {
                simulator._modbus = ModbusShopServer.Start(shop, options.Bind, options.ModbusPort);
                logger.LogInformation("simulator: Modbus TCP power meter (unit {Meter}) and PLC (unit {Plc}) at {Bind}:{Port}", ModbusShopServer.MeterUnit, ModbusShopServer.PlcUnit, options.Bind, simulator._modbus.Port);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                // The OPC UA shop is the simulator's core: a taken Modbus port costs only the Modbus part.
                logger.LogWarning("simulator: cannot serve Modbus TCP on {Bind}:{Port} ({Message}); the OPC UA shop runs without it. Move it with simulator.modbusPort (in the embedded default: GATEWAY_SIMULATOR_MODBUS_PORT=5021)", options.Bind, options.ModbusPort, e.Message);
            }
        }

        simulator._ticker = Task.Run(simulator.TickAsync, CancellationToken.None);
        logger.LogInformation("simulator: {Machines} machines, {Tags} tags, new values every {Rate} ms at {Endpoint}", options.Machines, shop.Tags.Count, options.RateMs, server.EndpointUrl);
        return simulator;
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Options.RateMs));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (Options.MaxTicks > 0 && _shop.Steps >= Options.MaxTicks)
                {
                    _logger.LogInformation("simulator: {Ticks} ticks done (last tick {Tick}); values stay as they are", _shop.Steps, _shop.LastTick);
                    return;
                }

                if (_frozen)
                {
                    // The load harness reads this line to learn the last tick it must find delivered.
                    _logger.LogInformation("simulator: values frozen at tick {Tick}", _shop.LastTick);
                    return;
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    _shop.Step(DateTime.UtcNow);
                    MelsecMap?.Refresh(DateTime.UtcNow);
                    _modbus?.Update(DateTime.UtcNow);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "simulator: a step failed; continuing");
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed.TotalMilliseconds > Options.RateMs)
                {
                    _logger.LogWarning("simulator: one step of {Tags} tags took {Elapsed:0} ms, longer than rate-ms {Rate}", _shop.Tags.Count, elapsed.TotalMilliseconds, Options.RateMs);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void StartMelsec(SimulatedShop shop)
    {
        var map = new MelsecDeviceMap(shop, new DeviceMemory(MelsecDeviceMap.MemorySizes));
        try
        {
            Melsec = McServer.Start(map.Memory, Options.Bind, Options.MelsecPort);
            MelsecMap = map;
            _logger.LogInformation("simulator: MELSEC PLC (MC protocol 3E/4E/1E, binary and ASCII) with {Points} device(s) at {Bind}:{Port}", map.Points.Count, Options.Bind, Melsec.Port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // A second simulator on the same machine: the OPC UA side still serves.
            _logger.LogWarning("simulator: no MELSEC PLC: port {Port} cannot be opened ({Message})", Options.MelsecPort, e.Message);
        }
    }

    /// <summary>Stops moving values after the step in progress; the server keeps serving (load tests end a run this way).</summary>
    public void FreezeValues() => _frozen = true;

    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_ticker is not null)
        {
            await _ticker;
        }

        await _server.StopAsync();
        if (Melsec is not null)
        {
            await Melsec.DisposeAsync();
        }

        if (_modbus is not null)
        {
            await _modbus.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _server.DisposeAsync();
        _stop.Dispose();
    }
}
