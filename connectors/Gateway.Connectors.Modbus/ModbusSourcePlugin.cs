using Gateway.Core;
using Gateway.Modbus;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.Modbus;

/// <summary>
/// The `type: modbus` source: one Modbus device over TCP or UDP, or one serial line (RTU, local or behind a
/// serial-to-Ethernet gateway), read by <see cref="ModbusSourceConnector"/>. Owns its keys
/// (<see cref="ModbusSourceOptions"/>, <see cref="ModbusGroupOptions"/>, <see cref="ModbusTagAddress"/>) and their checks.
/// </summary>
public sealed class ModbusSourcePlugin : ISourcePlugin
{
    public string Type => "modbus";

    public Type OptionsType => typeof(ModbusSourceOptions);

    public Type GroupOptionsType => typeof(ModbusGroupOptions);

    public Type AddressType => typeof(ModbusTagAddress);

    public string EndpointOf(object options) => Endpoint((ModbusSourceOptions)options);

    public static string Endpoint(ModbusSourceOptions source) => source.Transport switch
    {
        ModbusTransportKind.Udp => $"modbus-udp://{source.Host}:{source.Port}",
        ModbusTransportKind.Rtu => $"modbus-rtu://{source.Serial.Port}",
        ModbusTransportKind.RtuOverTcp => $"modbus-rtu-tcp://{source.Host}:{source.Port}",
        _ => $"modbus-tcp://{source.Host}:{source.Port}",
    };

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var source = (ModbusSourceOptions)options;
        if (source.Transport == ModbusTransportKind.Rtu)
        {
            if (string.IsNullOrWhiteSpace(source.Serial.Port))
            {
                yield return new OptionProblem("serial", "transport rtu needs serial.port, e.g. /dev/ttyUSB0 or COM3", source.Serial, "port");
            }
        }
        else if (string.IsNullOrWhiteSpace(source.Host))
        {
            yield return new OptionProblem("host", $"transport {KeyName(source.Transport)} needs host, the device's (or serial gateway's) address, e.g. 192.168.0.20");
        }

        if (source.Reconnect.InitialDelayMs > source.Reconnect.MaxDelayMs)
        {
            yield return new OptionProblem("reconnect", $"initialDelayMs ({source.Reconnect.InitialDelayMs}) is larger than maxDelayMs ({source.Reconnect.MaxDelayMs})", source.Reconnect, "initialDelayMs");
        }

        if (source.Transport is ModbusTransportKind.Rtu or ModbusTransportKind.RtuOverTcp && source.Unit == 0)
        {
            yield return new OptionProblem("unit", "unit 0 is the broadcast address of a serial line, which never answers a read; use the device's address (1-247)");
        }
    }

    public IEnumerable<OptionProblem> ValidateAddress(string tag, object address)
    {
        var written = (ModbusTagAddress)address;
        if (!RegisterAddress.TryParse(written.Register, out var parsed, out var why))
        {
            yield return new OptionProblem("register", $"tag '{tag}': {why}");
            yield break;
        }

        if (parsed.IsBit && (written.Type is not null and not "bool" || written.Bit is not null || written.Length is not null))
        {
            yield return new OptionProblem("register", $"tag '{tag}': {parsed} is a single bit; type, bit and length apply to registers only");
        }

        if (written.Type == "string" && written.Length is null)
        {
            yield return new OptionProblem("length", $"tag '{tag}' is a string: say how many registers it takes, e.g. length: 10 (20 characters)");
        }

        if (written.Length is not null && written.Type != "string")
        {
            yield return new OptionProblem("length", $"tag '{tag}': length applies to strings; type {written.Type ?? "uint16"} has a fixed size");
        }

        if (written.Bit is not null && written.Type is not null and not ("uint16" or "int16" or "bool"))
        {
            yield return new OptionProblem("bit", $"tag '{tag}': bit N reads one bit of a 16-bit register; remove type {written.Type} (or bit)");
        }

        var count = parsed.IsBit || written.Bit is not null ? 1
            : ModbusValueDecoder.RegistersOf(written.Type is { } t && ModbusValueDecoder.TypeNames.TryGetValue(t, out var type) ? type : ModbusValueType.UInt16, written.Length ?? 1);
        if (parsed.Offset + count > 65536)
        {
            yield return new OptionProblem("register", $"tag '{tag}': {count} register(s) from {parsed} run past the last address (65535)");
        }
    }

    public IEnumerable<OptionProblem> ValidateTags(object options, IReadOnlyList<SourceTag> tags)
    {
        var source = (ModbusSourceOptions)options;
        foreach (var tag in tags)
        {
            var written = (ModbusTagAddress)tag.Address;
            if (!RegisterAddress.TryParse(written.Register, out var parsed, out _) || parsed.IsBit)
            {
                continue;
            }

            var count = written.Bit is not null ? 1 : ModbusValueDecoder.RegistersOf(written.Type is { } t && ModbusValueDecoder.TypeNames.TryGetValue(t, out var type) ? type : ModbusValueType.UInt16, written.Length ?? 1);
            if (count > source.MaxRegistersPerRequest)
            {
                yield return new OptionProblem("maxRegistersPerRequest", $"tag '{tag.Machine}/{tag.Tag}' takes {count} registers but maxRegistersPerRequest is {source.MaxRegistersPerRequest}: one request could not read it");
            }

            var unit = written.Unit ?? (tag.GroupOptions as ModbusGroupOptions)?.Unit;
            if (unit == 0 && source.Transport is ModbusTransportKind.Rtu or ModbusTransportKind.RtuOverTcp)
            {
                yield return new OptionProblem("unit", $"tag '{tag.Machine}/{tag.Tag}': unit 0 is the serial line's broadcast address, which never answers a read");
            }
        }
    }

    public ISourceConnector Create(string name, object options, IReadOnlyList<SourceTag> tags, SourceContext context) =>
        new ModbusSourceConnector(name, (ModbusSourceOptions)options, tags, context.LoggerFactory.CreateLogger($"Gateway.Sources.{name}"), context.TimeProvider);

    private static string KeyName(ModbusTransportKind kind) => kind == ModbusTransportKind.RtuOverTcp ? "rtuOverTcp" : kind.ToString().ToLowerInvariant();
}
