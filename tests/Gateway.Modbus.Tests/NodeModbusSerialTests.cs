using Gateway.Connectors.Modbus;
using Gateway.Testing;

namespace Gateway.Modbus.Tests;

/// <summary>
/// The same typed values as the pymodbus tests, served by a second independent implementation, npm's modbus-serial
/// (tests/servers/modbus/node-server.js), which encodes them with Node's Buffer: every type in every byte order, bits,
/// and an exception response.
/// </summary>
public class NodeModbusSerialTests
{
    [Fact]
    public async Task EveryTypeInEveryOrderReadsWhatModbusSerialServes()
    {
        var addresses = new Dictionary<(string Type, string Order), int>();
        await using var device = await NodeModbusServer.StartAsync(PymodbusDevice.Spec(addresses));
        await using var client = ModbusClient.Tcp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        await client.ConnectAsync(CancellationToken.None);
        foreach (var function in new[] { ModbusFunction.ReadHoldingRegisters, ModbusFunction.ReadInputRegisters })
        {
            foreach (var ((type, orderName), address) in addresses)
            {
                var valueType = ModbusValueDecoder.TypeNames[type];
                Assert.True(ModbusValueDecoder.TryParseOrder(orderName, out var order));
                var registers = await client.ReadRegistersAsync(function, 1, (ushort)address, (ushort)ModbusValueDecoder.RegistersOf(valueType), CancellationToken.None);
                var value = ModbusValueDecoder.Decode(registers, valueType, order);
                var expected = PymodbusDevice.Values.Single(v => v.Type == type).Value;
                var number = value.TryGetNumber();
                Assert.True(number == Convert.ToDouble(expected, System.Globalization.CultureInfo.InvariantCulture), $"{type} {orderName} at {address}: {value}");
            }
        }

        var text = await client.ReadHoldingRegistersAsync(1, 200, 6, CancellationToken.None);
        Assert.Equal("LS-XGT K7M", ModbusValueDecoder.Decode(text, ModbusValueType.String, ByteOrder.Abcd).AsString());
        var bcd = await client.ReadHoldingRegistersAsync(1, 220, 2, CancellationToken.None);
        Assert.Equal(87654321, ModbusValueDecoder.Decode(bcd, ModbusValueType.Bcd32, ByteOrder.Abcd).AsInt64());
        Assert.Equal(new[] { true, false, true, true, false, false, false, true, true }, await client.ReadCoilsAsync(1, 0, 9, CancellationToken.None));
        Assert.Equal(new[] { false, true }, await client.ReadDiscreteInputsAsync(1, 100, 2, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<ModbusDeviceException>(() => client.ReadHoldingRegistersAsync(1, 210, 1, CancellationToken.None));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, refused.Code);
        Assert.Equal(new ushort[] { 2222 }, await client.ReadHoldingRegistersAsync(2, 0, 1, CancellationToken.None));
    }
}
