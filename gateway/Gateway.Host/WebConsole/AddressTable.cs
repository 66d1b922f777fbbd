using System.Globalization;
using System.Text;
using Gateway.Configuration.Model;
using Gateway.Connectors.Melsec;
using Gateway.Connectors.Modbus;
using Gateway.Core;
using Gateway.Melsec;
using Gateway.Melsec.Client;
using Gateway.Modbus;

namespace Gateway.Host.WebConsole;

/// <summary>One row of the address table: a tag name, its address as the YAML writes it, and how to read and scale it.</summary>
public sealed record AddressRow(string Name, string Address, string? Type, int? Length, double? Scale, string? Unit);

/// <summary>
/// What the table reads: a configured Modbus or MELSEC source, or a device typed in (kind, host, port; the Modbus unit
/// id, the MELSEC frame and CPU).
/// </summary>
public sealed record AddressTarget(string Kind, string? Source, string? Host, int? Port, int? UnitId, string? Frame, string? Cpu);

/// <summary>A row's test read: its value (scaled, as the source would write it), the status name, or why it failed.</summary>
public sealed record AddressRowResult(string Name, string? Value, string? Raw, string Status, string? Error);

/// <summary>
/// The Modbus/MELSEC address table of Browse and pick (docs/console.md): rows of addresses in the syntax of the YAML,
/// checked with the connectors' own address checks (`ModbusSourcePlugin.ValidateAddress`, `MelsecSourcePlugin`'s, the
/// same as `gateway validate`), read once through the gateway's own stacks (`ModbusClient` with `ModbusTag` and
/// `ModbusValueDecoder`; `McClient` with the MELSEC `ReadPlan`), and turned into the YAML of a machine template.
/// </summary>
public sealed class AddressTable(GatewayConfig config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The Modbus and MELSEC sources of the configuration, with what the page shows of each.</summary>
    public IReadOnlyList<object> Sources => config.Sources
        .Where(s => s.Options is ModbusSourceOptions or MelsecSourceOptions)
        .Select(s => (object)(s.Options switch
        {
            ModbusSourceOptions m => new { name = s.Name, kind = "modbus", endpoint = ModbusSourcePlugin.Endpoint(m), unitId = (int?)m.Unit },
            MelsecSourceOptions p => new { name = s.Name, kind = "melsec", endpoint = $"melsec://{p.Host}:{p.Port}", unitId = (int?)null },
            _ => throw new InvalidOperationException(),
        }))
        .ToList();

    /// <summary>Reads every row once; a row's address or type that the YAML would refuse is that row's error, not a read.</summary>
    public async Task<IReadOnlyList<AddressRowResult>> TestReadAsync(AddressTarget target, IReadOnlyList<AddressRow> rows, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        return Kind(target) == "modbus"
            ? await ReadModbusAsync(ModbusOptions(target), target.UnitId, rows, timeout.Token)
            : await ReadMelsecAsync(MelsecOptions(target), rows, timeout.Token);
    }

    private static async Task<IReadOnlyList<AddressRowResult>> ReadModbusAsync(ModbusSourceOptions options, int? unitId, IReadOnlyList<AddressRow> rows, CancellationToken cancellationToken)
    {
        var plugin = new ModbusSourcePlugin();
        var results = new AddressRowResult?[rows.Count];
        var tags = new List<(int Row, ModbusTag Tag)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var address = new ModbusTagAddress { Register = rows[i].Address, Type = Blank(rows[i].Type), Length = rows[i].Length };
            if (Problem(plugin.ValidateAddress(rows[i].Name, address)) is { } problem)
            {
                results[i] = Refused(rows[i], problem);
                continue;
            }

            var source = new SourceTag("console", "console", "table", rows[i].Name, TimeSpan.FromSeconds(1), new ModbusGroupOptions { Unit = unitId }, address, "modbus", LabelSet.Empty);
            tags.Add((i, ModbusTag.From(source, options)));
        }

        if (tags.Count > 0)
        {
            await using var client = ModbusSourceConnector.ClientFor(options);
            try
            {
                await client.ConnectAsync(cancellationToken);
            }
            catch (ModbusException e)
            {
                throw new IOException($"{ModbusSourcePlugin.Endpoint(options)}: {e.Message}", e);
            }

            // One request per row, so that an address the device refuses fails alone (as the source splits a block).
            foreach (var (row, tag) in tags)
            {
                results[row] = await ReadModbusTagAsync(client, rows[row], tag, cancellationToken);
            }
        }

        return results.Select(r => r!).ToList();
    }

    private static async Task<AddressRowResult> ReadModbusTagAsync(ModbusClient client, AddressRow row, ModbusTag tag, CancellationToken cancellationToken)
    {
        try
        {
            ReadingValue value;
            if (tag.Address.IsBit)
            {
                var bits = await client.ReadBitsAsync(tag.Address.Function, tag.Unit, (ushort)tag.Address.Offset, 1, cancellationToken);
                value = ReadingValue.FromBoolean(bits[0]);
            }
            else
            {
                var registers = await client.ReadRegistersAsync(tag.Address.Function, tag.Unit, (ushort)tag.Address.Offset, (ushort)tag.Count, cancellationToken);
                value = ModbusValueDecoder.Decode(registers, tag.Type, tag.Order, tag.Bit);
            }

            return Read(row, value);
        }
        catch (ModbusDeviceException e)
        {
            var status = ModbusStatus.Of(e.Code);
            return new AddressRowResult(row.Name, null, null, ModbusStatus.NameOf(status), $"{tag.Address} on unit {tag.Unit}: {e.Message}");
        }
        catch (ModbusTimeoutException e)
        {
            return new AddressRowResult(row.Name, null, null, ModbusStatus.NameOf(ModbusStatus.BadTimeout), e.Message);
        }
        catch (FormatException e)
        {
            return new AddressRowResult(row.Name, null, null, ModbusStatus.NameOf(ModbusStatus.BadDataEncodingInvalid), e.Message);
        }
    }

    private static async Task<IReadOnlyList<AddressRowResult>> ReadMelsecAsync(MelsecSourceOptions options, IReadOnlyList<AddressRow> rows, CancellationToken cancellationToken)
    {
        var plugin = new MelsecSourcePlugin();
        var results = new AddressRowResult?[rows.Count];
        var tags = new List<(int Row, MelsecTag Tag)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var address = new MelsecTagAddress { Device = rows[i].Address, Type = Blank(rows[i].Type), Length = rows[i].Length ?? 1 };
            if (Problem(plugin.ValidateAddress(rows[i].Name, address)) is { } problem)
            {
                results[i] = Refused(rows[i], problem);
                continue;
            }

            try
            {
                var source = new SourceTag("console", "console", "table", rows[i].Name, TimeSpan.FromSeconds(1), new MelsecGroupOptions(), address, "melsec", LabelSet.Empty);
                tags.Add((i, MelsecTag.From(source, options.OctalInputs)));
            }
            catch (FormatException e)
            {
                results[i] = Refused(rows[i], $"tag '{rows[i].Name}': {e.Message}");
            }
        }

        if (tags.Count > 0)
        {
            var is1E = options.Frame == "1e";
            var plan = ReadPlan.For([.. tags.Select(t => t.Tag)], is1E ? 256 : McClient.MaxWordPoints, is1E ? 256 : McClient.MaxBitPoints, options.MaxGapWords, is1E ? 0 : McClient.MaxRandomPoints);
            List<TagResult> read;
            try
            {
                await using var client = await McClient.ConnectAsync(options.Host, options.Port, options.ClientOptions(), cancellationToken);
                read = await plan.ReadAsync(client, cancellationToken);
            }
            catch (McException e)
            {
                throw new IOException($"melsec://{options.Host}:{options.Port}: {e.Message}", e);
            }

            var byTag = read.ToDictionary(r => (object)r.Tag, ReferenceEqualityComparer.Instance);
            foreach (var (row, tag) in tags)
            {
                var result = byTag[tag];
                results[row] = result.EndCode is { } code
                    ? new AddressRowResult(rows[row].Name, null, null, EndCodes.NameOf(code), $"{tag.Device}: the PLC answered end code {EndCodes.Describe(code)}")
                    : result.Status == MelsecValues.Good
                        ? Read(rows[row], result.Value)
                        : new AddressRowResult(rows[row].Name, null, null, "BadDataEncodingInvalid", $"{tag.Device}: the words are not valid {tag.Type}");
            }
        }

        return results.Select(r => r!).ToList();
    }

    /// <summary>
    /// The YAML of a machine template with one tag per row (scale and unit as a tag's normalize), and the machine's line:
    /// for a configured source, to paste under its machines:; for a device typed in, a new source that reads it.
    /// </summary>
    public string TemplateYaml(AddressTarget target, string machine, IReadOnlyList<AddressRow> rows)
    {
        var kind = Kind(target);
        var name = OpcUaPicker.ConfigName(machine);
        var text = new StringBuilder();
        text.Append("# Made in the web console's address table: ").Append(rows.Count).Append(' ').Append(kind == "modbus" ? "register(s)" : "device(s)").Append(".\n");
        text.Append("templates:\n");
        text.Append("  ").Append(name).Append(":\n");
        text.Append("    groups:\n");
        text.Append("      - name: table\n");
        text.Append("        intervalMs: 1000\n");
        if (kind == "modbus" && target.UnitId is { } unit)
        {
            text.Append("        unit: ").Append(unit.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("        tags:\n");
        foreach (var row in rows)
        {
            text.Append("          - { name: ").Append(OpcUaPicker.TagName(row.Name)).Append(", ").Append(kind == "modbus" ? "register" : "device").Append(": \"")
                .Append(row.Address.Trim().Replace("\"", "", StringComparison.Ordinal)).Append('"');
            if (Blank(row.Type) is { } type)
            {
                text.Append(", type: ").Append(type.Trim());
            }

            if (row.Length is { } length)
            {
                text.Append(", length: ").Append(length.ToString(CultureInfo.InvariantCulture));
            }

            var normalize = new List<string>();
            if (row.Scale is { } scale && scale != 1)
            {
                normalize.Add("scale: " + scale.ToString("R", CultureInfo.InvariantCulture));
            }

            if (Blank(row.Unit) is { } engineering)
            {
                normalize.Add("unit: \"" + engineering.Replace("\"", "", StringComparison.Ordinal) + "\"");
            }

            if (normalize.Count > 0)
            {
                text.Append(", normalize: { ").Append(string.Join(", ", normalize)).Append(" }");
            }

            text.Append(" }\n");
        }

        if (Blank(target.Source) is { } sourceName)
        {
            text.Append("# The machine: add this line under sources: -> ").Append(sourceName).Append(" -> machines:.\n");
            text.Append("machines:\n");
            text.Append("      - { name: ").Append(name).Append(", template: ").Append(name).Append(" }\n");
            return text.ToString();
        }

        text.Append("# The source: paste under sources:.\n");
        text.Append("sources:\n");
        text.Append("  - name: ").Append(name).Append("-source\n");
        text.Append("    type: ").Append(kind).Append('\n');
        text.Append("    host: \"").Append(Required(target.Host, "host").Replace("\"", "", StringComparison.Ordinal)).Append("\"\n");
        text.Append("    port: ").Append((target.Port ?? (kind == "modbus" ? 502 : 5000)).ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (kind == "melsec")
        {
            text.Append("    frame: ").Append(Blank(target.Frame) ?? "3e").Append('\n');
            text.Append("    cpu: ").Append(Blank(target.Cpu) ?? "q").Append('\n');
        }

        text.Append("    machines:\n");
        text.Append("      - { name: ").Append(name).Append(", template: ").Append(name).Append(" }\n");
        return text.ToString();
    }

    private ModbusSourceOptions ModbusOptions(AddressTarget target)
    {
        if (Blank(target.Source) is { } name)
        {
            var options = config.Sources.FirstOrDefault(s => s.Name == name && s.Options is ModbusSourceOptions)?.Options as ModbusSourceOptions
                ?? throw new ArgumentException($"no Modbus source '{name}' in the configuration");
            return options.Transport == ModbusTransportKind.Rtu
                ? throw new ArgumentException($"source '{name}' reads a serial port, which its connector holds: test the addresses with the source stopped, with `gateway modbus` on the port")
                : options;
        }

        return new ModbusSourceOptions { Host = Required(target.Host, "host"), Port = Port(target.Port, 502), Unit = target.UnitId ?? 1 };
    }

    private MelsecSourceOptions MelsecOptions(AddressTarget target)
    {
        if (Blank(target.Source) is { } name)
        {
            return config.Sources.FirstOrDefault(s => s.Name == name && s.Options is MelsecSourceOptions)?.Options as MelsecSourceOptions
                ?? throw new ArgumentException($"no MELSEC source '{name}' in the configuration");
        }

        var frame = Blank(target.Frame) ?? "3e";
        var cpu = Blank(target.Cpu) ?? "q";
        if (frame is not ("3e" or "4e" or "1e") || cpu is not ("q" or "l" or "iqr" or "iqf" or "fx3"))
        {
            throw new ArgumentException("frame is 3e, 4e or 1e; cpu is q, l, iqr, iqf or fx3");
        }

        return new MelsecSourceOptions { Host = Required(target.Host, "host"), Port = Port(target.Port, 5000), Frame = frame, Cpu = cpu };
    }

    private string Kind(AddressTarget target)
    {
        if (Blank(target.Source) is { } name)
        {
            return config.Sources.FirstOrDefault(s => s.Name == name)?.Options switch
            {
                ModbusSourceOptions => "modbus",
                MelsecSourceOptions => "melsec",
                _ => throw new ArgumentException($"no Modbus or MELSEC source '{name}' in the configuration"),
            };
        }

        return target.Kind is "modbus" or "melsec" ? target.Kind : throw new ArgumentException($"kind '{target.Kind}' is not modbus or melsec");
    }

    private static AddressRowResult Read(AddressRow row, ReadingValue value)
    {
        var number = value.TryGetNumber();
        var scaled = number is { } n && row.Scale is { } scale && scale != 1 ? (n * scale).ToString("R", CultureInfo.InvariantCulture) : value.ToString();
        return new AddressRowResult(row.Name, Blank(row.Unit) is { } unit ? $"{scaled} {unit}" : scaled, value.ToString(), "Good", null);
    }

    private static AddressRowResult Refused(AddressRow row, string why) => new(row.Name, null, null, "BadConfiguration", why);

    private static string? Problem(IEnumerable<OptionProblem> problems) => problems.Select(p => p.Message).FirstOrDefault();

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Required(string? text, string what) => Blank(text) ?? throw new ArgumentException($"give the device's {what}");

    private static int Port(int? port, int fallback) => port is null ? fallback : port is >= 1 and <= 65535 ? port.Value : throw new ArgumentException($"port {port} is not 1..65535");
}
