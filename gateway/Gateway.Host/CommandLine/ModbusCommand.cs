using System.CommandLine;
using System.Globalization;
using System.Text.Json;

using Gateway.Connectors.Modbus;
using Gateway.Core;
using Gateway.Modbus;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway modbus read HOST[:PORT] ADDRESS...` and `gateway modbus scan HOST --range 40001-40100`: what a
/// commissioning engineer asks a Modbus device before writing its configuration.
/// </summary>
public static class ModbusCommand
{
    public static Command Create()
    {
        var command = new Command("modbus", "Ask a Modbus TCP device directly: read addresses once, or scan a range.");
        command.Subcommands.Add(Read());
        command.Subcommands.Add(Scan());
        return command;
    }

    private static Command Read()
    {
        var host = new Argument<string>("HOST[:PORT]") { Description = "The device, e.g. 192.168.0.20 or 192.168.0.20:502." };
        var addresses = new Argument<string[]>("ADDRESS") { Description = "40001, 300010 (1-based register numbers) or holding:0, input:9, coil:100, discrete:7 (0-based).", Arity = ArgumentArity.OneOrMore };
        var unit = UnitOption();
        var type = new Option<string>("--type") { Description = "bool, int16, uint16 (default), int32, uint32, float32, int64, uint64, float64, string, bcd16, bcd32.", DefaultValueFactory = _ => "uint16", HelpName = "TYPE" };
        var length = new Option<int>("--length") { Description = "Registers of a string (--type string).", DefaultValueFactory = _ => 1, HelpName = "N" };
        var order = new Option<string>("--order") { Description = "Byte order of 32/64-bit values: abcd (default), cdab, badc, dcba.", DefaultValueFactory = _ => "abcd", HelpName = "ORDER" };
        var timeout = TimeoutOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON array (the shape of `gateway read --json`)." };
        var command = new Command("read", "Read Modbus addresses once. Exit 2 when the device answers an exception or does not answer.") { host, addresses, unit, type, length, order, timeout, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!ModbusValueDecoder.TypeNames.TryGetValue(parse.GetValue(type)!, out var valueType))
            {
                error.WriteLine($"gateway modbus read: unknown --type '{parse.GetValue(type)}' (one of {string.Join(", ", ModbusValueDecoder.TypeNames.Keys)})");
                return ExitCodes.Usage;
            }

            if (!ModbusValueDecoder.TryParseOrder(parse.GetValue(order)!, out var byteOrder))
            {
                error.WriteLine($"gateway modbus read: unknown --order '{parse.GetValue(order)}' (abcd, cdab, badc or dcba)");
                return ExitCodes.Usage;
            }

            var parsed = new List<(string Text, RegisterAddress Address)>();
            foreach (var text in parse.GetValue(addresses)!)
            {
                if (!RegisterAddress.TryParse(text, out var address, out var why))
                {
                    error.WriteLine($"gateway modbus read: {why}");
                    return ExitCodes.Usage;
                }

                parsed.Add((text, address));
            }

            if (!TryEndpoint(parse.GetValue(host)!, out var hostName, out var port))
            {
                error.WriteLine($"gateway modbus read: '{parse.GetValue(host)}' is not HOST or HOST:PORT");
                return ExitCodes.Usage;
            }

            var count = ModbusValueDecoder.RegistersOf(valueType, parse.GetValue(length));
            var failed = false;
            var results = new List<Dictionary<string, object?>>();
            try
            {
                await using var client = ModbusClient.Tcp(hostName, port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(parse.GetValue(timeout)) });
                await client.ConnectAsync(cancellationToken);
                foreach (var (text, address) in parsed)
                {
                    var (value, status, why) = await ReadOneAsync(client, (byte)parse.GetValue(unit), address, address.IsBit ? ModbusValueType.Bool : valueType, byteOrder, address.IsBit ? 1 : count, cancellationToken);
                    failed |= status != ModbusStatus.Good;
                    if (why is not null)
                    {
                        error.WriteLine($"gateway modbus read: {text}: {why}");
                    }

                    results.Add(ToJson(text, value, address.IsBit ? ModbusValueType.Bool : valueType, status));
                }
            }
            catch (ModbusException e)
            {
                error.WriteLine($"gateway modbus read: {e.Message}");
                return ExitCodes.ConnectionError;
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(results, JsonText.Options));
            }
            else
            {
                foreach (var result in results)
                {
                    output.WriteLine($"{result["nodeId"]}\t{JsonSerializer.Serialize(result["value"], JsonText.Options).Trim('"')}\t{result["dataType"]}\t{result["status"]}\t{result["sourceTimestamp"]}");
                }
            }

            return failed ? ExitCodes.ConnectionError : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Scan()
    {
        var host = new Argument<string>("HOST[:PORT]") { Description = "The device, e.g. 192.168.0.20 or 192.168.0.20:502." };
        var unit = UnitOption();
        var range = new Option<string>("--range") { Description = "FIRST-LAST in one table, e.g. 40001-40100 or holding:0-99.", Required = true, HelpName = "RANGE" };
        var timeout = TimeoutOption();
        var command = new Command("scan", "Show which addresses of a range answer, and what each looks like as each type.") { host, unit, range, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var text = parse.GetValue(range)!;
            var dash = text.LastIndexOf('-');
            var why = "write FIRST-LAST, e.g. 40001-40100";
            RegisterAddress first = default, last = default;
            if (dash <= 0 || !RegisterAddress.TryParse(text[..dash], out first, out why) || !TryLast(first, text[(dash + 1)..], out last, out why))
            {
                error.WriteLine($"gateway modbus scan: --range '{text}': {why}");
                return ExitCodes.Usage;
            }

            if (!TryEndpoint(parse.GetValue(host)!, out var hostName, out var port))
            {
                error.WriteLine($"gateway modbus scan: '{parse.GetValue(host)}' is not HOST or HOST:PORT");
                return ExitCodes.Usage;
            }

            try
            {
                await using var client = ModbusClient.Tcp(hostName, port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(parse.GetValue(timeout)) });
                await client.ConnectAsync(cancellationToken);
                var answered = await ScanAsync(client, (byte)parse.GetValue(unit), first, last.Offset, cancellationToken);
                output.WriteLine(first.IsBit ? "address\tvalue" : "address\tregister\thex\tint16\tuint32(abcd)\tfloat32(abcd)\tfloat32(cdab)\tascii");
                for (var i = 0; i < answered.Length; i++)
                {
                    if (answered[i] is not { } value)
                    {
                        continue;
                    }

                    var address = new RegisterAddress(first.Table, first.Offset + i);
                    var name = $"{address} ({Conventional(address)})";
                    if (first.IsBit)
                    {
                        output.WriteLine($"{name}\t{(value != 0 ? "true" : "false")}");
                        continue;
                    }

                    var pair = i + 1 < answered.Length && answered[i + 1] is { } next ? new[] { value, next } : null;
                    output.WriteLine(string.Join('\t',
                        name,
                        value.ToString(CultureInfo.InvariantCulture),
                        $"0x{value:X4}",
                        ((short)value).ToString(CultureInfo.InvariantCulture),
                        pair is null ? "" : ModbusValueDecoder.Decode(pair, ModbusValueType.UInt32, ByteOrder.Abcd).ToString(),
                        pair is null ? "" : Number(ModbusValueDecoder.Decode(pair, ModbusValueType.Float32, ByteOrder.Abcd)),
                        pair is null ? "" : Number(ModbusValueDecoder.Decode(pair, ModbusValueType.Float32, ByteOrder.Cdab)),
                        Ascii(value)));
                }

                var count = answered.Count(a => a is not null);
                error.WriteLine($"{count} of {answered.Length} address(es) answered on unit {parse.GetValue(unit)}");
                return ExitCodes.Ok;
            }
            catch (ModbusException e)
            {
                error.WriteLine($"gateway modbus scan: {e.Message}");
                return ExitCodes.ConnectionError;
            }
        });
        return command;
    }

    /// <summary>
    /// Reads the range in requests of at most 125 registers (2000 bits); a request the device refuses is read again
    /// one address at a time, so the answer says exactly which addresses exist.
    /// </summary>
    private static async Task<ushort?[]> ScanAsync(ModbusClient client, byte unit, RegisterAddress first, int lastOffset, CancellationToken cancellationToken)
    {
        var result = new ushort?[lastOffset - first.Offset + 1];
        var step = first.IsBit ? ModbusPdu.MaxBits : ModbusPdu.MaxRegisters;
        for (var start = first.Offset; start <= lastOffset; start += step)
        {
            var count = Math.Min(step, lastOffset - start + 1);
            if (await TryReadAsync(client, unit, first, start, count, cancellationToken) is { } values)
            {
                values.CopyTo(result, start - first.Offset);
                continue;
            }

            for (var one = start; one < start + count; one++)
            {
                if (await TryReadAsync(client, unit, first, one, 1, cancellationToken) is { } value)
                {
                    result[one - first.Offset] = value[0];
                }
            }
        }

        return result;
    }

    private static async Task<ushort?[]?> TryReadAsync(ModbusClient client, byte unit, RegisterAddress table, int start, int count, CancellationToken cancellationToken)
    {
        try
        {
            if (table.IsBit)
            {
                var bits = await client.ReadBitsAsync(table.Function, unit, (ushort)start, (ushort)count, cancellationToken);
                return bits.Select(b => (ushort?)(b ? 1 : 0)).ToArray();
            }

            var registers = await client.ReadRegistersAsync(table.Function, unit, (ushort)start, (ushort)count, cancellationToken);
            return registers.Select(r => (ushort?)r).ToArray();
        }
        catch (ModbusDeviceException)
        {
            return null;
        }
    }

    private static async Task<(ReadingValue Value, uint Status, string? Why)> ReadOneAsync(ModbusClient client, byte unit, RegisterAddress address, ModbusValueType type, ByteOrder order, int count, CancellationToken cancellationToken)
    {
        try
        {
            if (address.IsBit)
            {
                var bits = await client.ReadBitsAsync(address.Function, unit, (ushort)address.Offset, 1, cancellationToken);
                return (ReadingValue.FromBoolean(bits[0]), ModbusStatus.Good, null);
            }

            var registers = await client.ReadRegistersAsync(address.Function, unit, (ushort)address.Offset, (ushort)count, cancellationToken);
            return (ModbusValueDecoder.Decode(registers, type, order), ModbusStatus.Good, null);
        }
        catch (ModbusDeviceException e)
        {
            return (ReadingValue.Null, ModbusStatus.Of(e.Code), e.Message);
        }
        catch (ModbusTimeoutException e)
        {
            return (ReadingValue.Null, ModbusStatus.BadTimeout, e.Message);
        }
        catch (FormatException e)
        {
            return (ReadingValue.Null, ModbusStatus.BadDataEncodingInvalid, e.Message);
        }
    }

    /// <summary>The same keys as `gateway read --json`; nodeId is the address as written, the timestamps when the answer came.</summary>
    private static Dictionary<string, object?> ToJson(string address, ReadingValue value, ModbusValueType type, uint status)
    {
        var now = ReadCommand.Time(DateTime.UtcNow);
        return new()
        {
            ["nodeId"] = address,
            ["value"] = value.Kind switch
            {
                ValueKind.Null => null,
                ValueKind.Boolean => value.AsBoolean(),
                ValueKind.Int64 => value.AsInt64(),
                ValueKind.Double => double.IsFinite(value.AsDouble()) ? value.AsDouble() : null,
                _ => value.AsString(),
            },
            ["dataType"] = type.ToString(),
            ["status"] = ModbusStatus.NameOf(status),
            ["statusCode"] = $"0x{status:X8}",
            ["sourceTimestamp"] = now,
            ["serverTimestamp"] = now,
        };
    }

    private static Option<int> UnitOption() => new("--unit") { Description = "The unit id (slave address); 1 by default.", DefaultValueFactory = _ => 1, HelpName = "N" };

    private static Option<int> TimeoutOption() => new("--timeout-ms") { Description = "How long each request waits for its answer (default 2000).", DefaultValueFactory = _ => 2000, HelpName = "MS" };

    private static bool TryEndpoint(string text, out string host, out int port)
    {
        port = 502;
        host = text;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && !text.EndsWith(']'))
        {
            host = text[..colon];
            return int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
        }

        return host.Length > 0;
    }

    /// <summary>The end of a range: a full address in the same table, or a bare number in the first's notation.</summary>
    private static bool TryLast(RegisterAddress first, string text, out RegisterAddress last, out string why)
    {
        if (!text.Contains(':', StringComparison.Ordinal) && text.Length < 5)
        {
            text = $"{RegisterAddress.TableName(first.Table)}:{text}";
        }

        if (!RegisterAddress.TryParse(text, out last, out why))
        {
            return false;
        }

        if (last.Table != first.Table || last.Offset < first.Offset)
        {
            why = $"the range must stay in one table and not run backwards ({first} to {last})";
            return false;
        }

        return true;
    }

    private static string Conventional(RegisterAddress address) => address.Table switch
    {
        ModbusTable.Coil => $"0{address.Offset + 1:00000}",
        ModbusTable.DiscreteInput => $"1{address.Offset + 1:00000}",
        ModbusTable.InputRegister => $"3{address.Offset + 1:00000}",
        _ => $"4{address.Offset + 1:00000}",
    };

    private static string Number(ReadingValue value) => value.AsDouble() is var d && double.IsFinite(d) && Math.Abs(d) < 1e12 ? d.ToString("G7", CultureInfo.InvariantCulture) : "";

    private static string Ascii(ushort register)
    {
        char Printable(int b) => b is >= 0x20 and < 0x7F ? (char)b : '.';
        return $"{Printable(register >> 8)}{Printable(register & 0xFF)}";
    }
}
