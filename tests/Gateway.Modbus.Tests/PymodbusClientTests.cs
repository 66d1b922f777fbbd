using Gateway.Connectors.Modbus;
using Gateway.Testing;

namespace Gateway.Modbus.Tests;

/// <summary>
/// What pymodbus serves (one device started for the class, with values pymodbus itself encoded), read by our client
/// over TCP: every function, every type in every byte order, exception responses and a timeout.
/// </summary>
public sealed class PymodbusDevice : IAsyncLifetime
{
    public static readonly (string Type, object Value)[] Values =
    [
        ("int16", -12345), ("uint16", 54321), ("int32", -123456789), ("uint32", 3_000_000_000L), ("float32", -1234.5),
        ("int64", -1_234_567_890_123_456L), ("uint64", 18_000_000_000_000_000_000UL), ("float64", 6.02214076e23),
    ];

    public static readonly string[] Orders = ["abcd", "cdab", "badc", "dcba"];

    public PymodbusServer Server { get; private set; } = null!;

    /// <summary>Where each (type, order) value starts in the holding registers (input registers hold the same).</summary>
    public Dictionary<(string Type, string Order), int> Addresses { get; } = [];

    public static ModbusSpec Spec(Dictionary<(string Type, string Order), int> addresses)
    {
        var spec = new ModbusSpec();
        var address = 0;
        foreach (var order in Orders)
        {
            foreach (var (type, value) in Values)
            {
                addresses[(type, order)] = address;
                spec.Register(1, "hr", address, type, value, order).Register(1, "ir", address, type, value, order);
                address += ModbusValueDecoder.RegistersOf(ModbusValueDecoder.TypeNames[type]);
            }
        }

        // A gap after 200..209 so that 210 is not readable; strings, BCD, a bit field; coils and discrete inputs.
        spec.Register(1, "hr", 200, "string", "LS-XGT K7M", "abcd", 6)
            .Register(1, "hr", 206, "string", "MIXED", "badc", 3)
            .Register(1, "hr", 209, "bcd16", 4321)
            .Register(1, "hr", 220, "bcd32", 87654321)
            .Register(1, "hr", 222, "raw", new[] { 0b1010_0000_0000_0101 })
            .Bits(1, "co", 0, true, false, true, true, false, false, false, true, true)
            .Bits(1, "di", 100, false, true)
            .Register(2, "hr", 0, "uint16", 2222);
        return spec;
    }

    public async Task InitializeAsync() => Server = await PymodbusServer.StartAsync(Spec(Addresses));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public class PymodbusClientTests(PymodbusDevice device) : IClassFixture<PymodbusDevice>
{
    private static readonly ModbusClientOptions Options = new() { RequestTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task EveryTypeInEveryOrderReadsWhatPymodbusEncoded()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options);
        await client.ConnectAsync(CancellationToken.None);
        foreach (var function in new[] { ModbusFunction.ReadHoldingRegisters, ModbusFunction.ReadInputRegisters })
        {
            foreach (var ((type, orderName), address) in device.Addresses)
            {
                var valueType = ModbusValueDecoder.TypeNames[type];
                Assert.True(ModbusValueDecoder.TryParseOrder(orderName, out var order));
                var registers = await client.ReadRegistersAsync(function, 1, (ushort)address, (ushort)ModbusValueDecoder.RegistersOf(valueType), CancellationToken.None);
                var value = ModbusValueDecoder.Decode(registers, valueType, order);
                var expected = PymodbusDevice.Values.Single(v => v.Type == type).Value;
                var what = $"{type} {orderName} at {address} by function {(byte)function}";
                switch (expected)
                {
                    case double d:
                        Assert.True(value.AsDouble() == d, $"{what}: {value}");
                        break;
                    case ulong u:
                        Assert.True(value.AsDouble() == u, $"{what}: {value}");
                        break;
                    default:
                        Assert.True(value.AsInt64() == Convert.ToInt64(expected, System.Globalization.CultureInfo.InvariantCulture), $"{what}: {value}");
                        break;
                }
            }
        }
    }

    [Fact]
    public async Task StringsBcdAndBitsOfARegister()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options);
        await client.ConnectAsync(CancellationToken.None);
        var registers = await client.ReadHoldingRegistersAsync(1, 200, 10, CancellationToken.None);
        Assert.Equal("LS-XGT K7M", ModbusValueDecoder.Decode(registers.AsSpan(0, 6), ModbusValueType.String, ByteOrder.Abcd).AsString());
        Assert.Equal("MIXED", ModbusValueDecoder.Decode(registers.AsSpan(6, 3), ModbusValueType.String, ByteOrder.Badc).AsString());
        Assert.Equal(4321, ModbusValueDecoder.Decode(registers.AsSpan(9, 1), ModbusValueType.Bcd16, ByteOrder.Abcd).AsInt64());
        var more = await client.ReadHoldingRegistersAsync(1, 220, 3, CancellationToken.None);
        Assert.Equal(87654321, ModbusValueDecoder.Decode(more.AsSpan(0, 2), ModbusValueType.Bcd32, ByteOrder.Abcd).AsInt64());
        Assert.True(ModbusValueDecoder.Decode(more.AsSpan(2, 1), ModbusValueType.Bool, ByteOrder.Abcd, bit: 0).AsBoolean());
        Assert.False(ModbusValueDecoder.Decode(more.AsSpan(2, 1), ModbusValueType.Bool, ByteOrder.Abcd, bit: 1).AsBoolean());
        Assert.True(ModbusValueDecoder.Decode(more.AsSpan(2, 1), ModbusValueType.Bool, ByteOrder.Abcd, bit: 15).AsBoolean());
        Assert.False(ModbusValueDecoder.Decode(more.AsSpan(2, 1), ModbusValueType.Bool, ByteOrder.Abcd, bit: 14).AsBoolean());
    }

    [Fact]
    public async Task CoilsAndDiscreteInputs()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options);
        await client.ConnectAsync(CancellationToken.None);
        Assert.Equal(new[] { true, false, true, true, false, false, false, true, true }, await client.ReadCoilsAsync(1, 0, 9, CancellationToken.None));
        Assert.Equal(new[] { false, true }, await client.ReadDiscreteInputsAsync(1, 100, 2, CancellationToken.None));
    }

    [Fact]
    public async Task AnUndefinedAddressIsAnExceptionResponseAndTheConnectionGoesOn()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options);
        await client.ConnectAsync(CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ModbusDeviceException>(() => client.ReadHoldingRegistersAsync(1, 210, 1, CancellationToken.None));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, refused.Code);
        Assert.Equal([2222], await client.ReadHoldingRegistersAsync(2, 0, 1, CancellationToken.None));
        Assert.Equal(1L, ((MbapTcpTransport)client.Transport).Connects);
    }

    [Fact]
    public async Task AUnitTheServerIgnoresTimesOutAndLaterRequestsAreServed()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options with { RequestTimeout = TimeSpan.FromMilliseconds(500) });
        await client.ConnectAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(77, 0, 1, CancellationToken.None));
        Assert.Equal([2222], await client.ReadHoldingRegistersAsync(2, 0, 1, CancellationToken.None));
        Assert.Equal(1L, ((MbapTcpTransport)client.Transport).Connects);
    }

    [Fact]
    public async Task SeveralRequestsInFlightAreMatchedByTransactionId()
    {
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Server.Port, Options with { MaxInFlight = 8 });
        await client.ConnectAsync(CancellationToken.None);
        var reads = Enumerable.Range(0, 64).Select(i => client.ReadHoldingRegistersAsync(1, 209, 1, CancellationToken.None)).ToList();
        foreach (var read in reads)
        {
            Assert.Equal([0x4321], await read);
        }
    }
}
