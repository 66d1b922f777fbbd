using Gateway.Core;
using Gateway.Melsec.Client;
using Gateway.Melsec.Devices;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.Melsec;

/// <summary>
/// The `type: melsec` source: one MELSEC PLC port (Q, L, iQ-R, iQ-F, FX3 with an Ethernet adapter) read over the MC
/// protocol / SLMP by <see cref="MelsecSourceConnector"/>. Owns its keys (<see cref="MelsecSourceOptions"/>,
/// <see cref="MelsecGroupOptions"/>, <see cref="MelsecTagAddress"/>) and their checks.
/// </summary>
public sealed class MelsecSourcePlugin : ISourcePlugin
{
    public string Type => "melsec";

    public Type OptionsType => typeof(MelsecSourceOptions);

    public Type GroupOptionsType => typeof(MelsecGroupOptions);

    public Type AddressType => typeof(MelsecTagAddress);

    public string EndpointOf(object options) => EndpointText((MelsecSourceOptions)options);

    /// <summary>"melsec://10.0.0.5:5000 (3E binary)".</summary>
    public static string EndpointText(MelsecSourceOptions options) =>
        $"melsec{(options.Transport == "udp" ? "+udp" : "")}://{options.Host}:{options.Port} ({options.ClientOptions().Format})";

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var source = (MelsecSourceOptions)options;
        if (source.Reconnect.InitialDelayMs > source.Reconnect.MaxDelayMs)
        {
            yield return new OptionProblem("reconnect", $"initialDelayMs ({source.Reconnect.InitialDelayMs}) is larger than maxDelayMs ({source.Reconnect.MaxDelayMs})", source.Reconnect, "initialDelayMs");
        }

        if (source.DeviceExtension && source.Frame == "1e")
        {
            yield return new OptionProblem("deviceExtension", "the iQ-R device extension needs the 3E or 4E frame; the 1E frame has none (remove deviceExtension or set frame: 3e)");
        }

        if (source.DeviceExtension && source.Cpu != "iqr")
        {
            yield return new OptionProblem("deviceExtension", $"only iQ-R CPUs accept the device extension, and cpu is {source.Cpu} (set cpu: iqr, or remove deviceExtension)");
        }
    }

    public IEnumerable<OptionProblem> ValidateAddress(string tag, object address)
    {
        var written = (MelsecTagAddress)address;
        // The CPU (octal X/Y) is not known here: parse as hexadecimal, which accepts every octal number; ValidateTags checks octal.
        if (!DeviceAddress.TryParse(written.Device, octalInputs: false, out var device, out var why))
        {
            yield return new OptionProblem("device", $"tag '{tag}': {why}");
            yield break;
        }

        string? problem = null;
        try
        {
            MelsecTag.TypeOf(written, device);
        }
        catch (FormatException e)
        {
            problem = e.Message;
        }

        if (problem is not null)
        {
            yield return new OptionProblem("type", $"tag '{tag}': {problem}");
        }
        else if (written.Length != 1 && written.Type != "string")
        {
            yield return new OptionProblem("length", $"tag '{tag}': length applies to type string only (a {written.Type ?? (device.Device.IsBit ? "bit" : "int16")} has a fixed size)");
        }
    }

    public IEnumerable<OptionProblem> ValidateTags(object options, IReadOnlyList<SourceTag> tags)
    {
        var source = (MelsecSourceOptions)options;
        foreach (var tag in tags)
        {
            var written = (MelsecTagAddress)tag.Address;
            if (!DeviceAddress.TryParse(written.Device, source.OctalInputs, out var device, out var why))
            {
                yield return new OptionProblem("", $"tag '{tag.Machine}/{tag.Tag}': {why}", tag.Address, "device");
                continue;
            }

            if (source.Frame == "1e" && device.Device.Code1E == 0)
            {
                yield return new OptionProblem("", $"tag '{tag.Machine}/{tag.Tag}': {device.Device.Name} cannot be read over the 1E frame (it reads X, Y, M, S, B, F, D, W, R, TS, TC, TN, CS, CC, CN)", tag.Address, "device");
            }

            if (device.Number > DeviceAddress.MaxNumber && !source.DeviceExtension)
            {
                yield return new OptionProblem("", $"tag '{tag.Machine}/{tag.Tag}': {device} is beyond the 3-byte device numbers of the 3E/4E frame (up to {DeviceAddress.MaxNumber}); an iQ-R reads it with deviceExtension: true", tag.Address, "device");
            }

            var words = MelsecTag.WordsOf(MelsecTag.TypeOf(written, device), written.Length);
            var max = source.Frame == "1e" ? 256 : McClient.MaxWordPoints;
            if (words > max)
            {
                yield return new OptionProblem("", $"tag '{tag.Machine}/{tag.Tag}': {words} words are more than one read can carry ({max})", tag.Address, "length");
            }
        }
    }

    public ISourceConnector Create(string name, object options, IReadOnlyList<SourceTag> tags, SourceContext context) =>
        new MelsecSourceConnector(name, (MelsecSourceOptions)options, tags, context.LoggerFactory.CreateLogger($"Gateway.Sources.{name}"), context.TimeProvider);
}
