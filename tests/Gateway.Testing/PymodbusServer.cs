using System.Text.Json;

namespace Gateway.Testing;

/// <summary>
/// A Modbus device served by pymodbus (tests/servers/modbus/pymodbus_server.py, Debian python3-pymodbus): an
/// independent implementation. The test says what it holds as typed values (<see cref="ModbusSpec"/>), which pymodbus
/// encodes itself. Modes: tcp, udp, rtu-tcp (RTU frames over TCP, as a serial gateway), rtu-serial (on a pty of a
/// <see cref="SocatSerialPair"/>).
/// </summary>
public sealed class PymodbusServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _directory;

    private PymodbusServer(ServerProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    public static async Task<PymodbusServer> StartAsync(ModbusSpec spec, string mode = "tcp", string? device = null, int? port = null)
    {
        var directory = RepositoryPaths.NewTempDirectory("pymodbus");
        var specFile = Path.Combine(directory, "spec.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec.ToJson()));
        var listen = port ?? FreePort.Next();
        List<string> arguments = [RepositoryPaths.Combine("tests", "servers", "modbus", "pymodbus_server.py"), "--spec", specFile, "--mode", mode, "--port", listen.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (device is not null)
        {
            arguments.AddRange(["--device", device]);
        }

        // Debian's interpreter: its dist-packages hold pymodbus (a pyenv python3 earlier on PATH would not).
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var process = await ServerProcess.StartAsync(
            $"pymodbus ({mode})",
            python,
            arguments,
            listen,
            readyWhen: mode is "tcp" or "rtu-tcp" ? null : output => output.Contains("ready " + mode, StringComparison.Ordinal));
        return new PymodbusServer(process, directory, listen);
    }

    /// <summary>Stops the device (SIGKILL), as a device that loses power.</summary>
    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A Modbus TCP device served by npm's modbus-serial (tests/servers/modbus/node-server.js): a second independent
/// implementation, with the same <see cref="ModbusSpec"/> encoded by Node's own Buffer.
/// </summary>
public sealed class NodeModbusServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _directory;

    private NodeModbusServer(ServerProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NodeModbusServer> StartAsync(ModbusSpec spec)
    {
        var directory = RepositoryPaths.NewTempDirectory("node-modbus");
        var specFile = Path.Combine(directory, "spec.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(spec.ToJson()));
        var port = FreePort.Next();
        var folder = RepositoryPaths.Combine("tests", "servers", "modbus");
        var process = await ServerProcess.StartAsync(
            "modbus-serial (npm)",
            "node",
            [Path.Combine(folder, "node-server.js"), "--spec", specFile, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            port,
            workingDirectory: folder);
        return new NodeModbusServer(process, directory, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What a test device holds, per unit: typed register values and bit runs (0-based protocol addresses).</summary>
public sealed class ModbusSpec
{
    private readonly Dictionary<int, Dictionary<string, List<Dictionary<string, object>>>> _units = [];

    /// <param name="table">hr (holding), ir (input).</param>
    /// <param name="type">int16 uint16 int32 uint32 float32 int64 uint64 float64 string bcd16 bcd32 raw.</param>
    public ModbusSpec Register(int unit, string table, int address, string type, object value, string order = "abcd", int? length = null)
    {
        var item = new Dictionary<string, object> { ["address"] = address, ["type"] = type, ["value"] = value, ["order"] = order };
        if (length is not null)
        {
            item["length"] = length.Value;
        }

        Table(unit, table).Add(item);
        return this;
    }

    /// <param name="table">co (coils), di (discrete inputs).</param>
    public ModbusSpec Bits(int unit, string table, int address, params bool[] values)
    {
        Table(unit, table).Add(new Dictionary<string, object> { ["address"] = address, ["values"] = values });
        return this;
    }

    public object ToJson() => new Dictionary<string, object> { ["units"] = _units.ToDictionary(u => u.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), u => (object)u.Value) };

    private List<Dictionary<string, object>> Table(int unit, string table)
    {
        if (!_units.TryGetValue(unit, out var tables))
        {
            tables = [];
            _units[unit] = tables;
        }

        if (!tables.TryGetValue(table, out var items))
        {
            items = [];
            tables[table] = items;
        }

        return items;
    }
}

/// <summary>
/// A pair of connected virtual serial ports (pseudo-terminals) made by socat (Debian socat): what one side writes
/// the other reads, as over a null-modem cable. <see cref="ClientPort"/> and <see cref="DevicePort"/> are symlinks.
/// </summary>
public sealed class SocatSerialPair : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _directory;

    private SocatSerialPair(ServerProcess process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public string ClientPort => Path.Combine(_directory, "client");

    public string DevicePort => Path.Combine(_directory, "device");

    public static async Task<SocatSerialPair> StartAsync()
    {
        var directory = RepositoryPaths.NewTempDirectory("socat");
        var client = Path.Combine(directory, "client");
        var device = Path.Combine(directory, "device");
        var process = await ServerProcess.StartAsync(
            "socat",
            "socat",
            ["-d", "-d", $"pty,raw,echo=0,link={client}", $"pty,raw,echo=0,link={device}"],
            0,
            readyWhen: _ => File.Exists(client) && File.Exists(device));
        return new SocatSerialPair(process, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
