using System.IO.Ports;

using Gateway.Connectors.Modbus;
using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Modbus.Tests;

/// <summary>
/// RTU and UDP against pymodbus: RTU on a virtual serial line (a socat pty pair) to pymodbus's serial server, RTU
/// framed over TCP (a serial-to-Ethernet gateway in transparent mode), and MBAP over UDP.
/// </summary>
public class OtherTransportTests
{
    private static ModbusSpec Spec() => new ModbusSpec()
        .Register(1, "hr", 0, "float32", 21.5, "cdab")
        .Register(1, "ir", 4, "int16", -250)
        .Bits(1, "co", 0, true, false, true)
        .Register(3, "hr", 0, "uint32", 123456789);

    [Fact]
    public async Task RtuOnAVirtualSerialLineReadsPymodbusSerialServer()
    {
        await using var line = await SocatSerialPair.StartAsync();
        await using var device = await PymodbusServer.StartAsync(Spec(), "rtu-serial", line.DevicePort);
        await using var client = ModbusClient.RtuSerial(new SerialLineSettings(line.ClientPort, 19200, Parity.None), new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(3) });
        await client.ConnectAsync(CancellationToken.None);
        await AssertReadsSpecAsync(client);
    }

    [Fact]
    public async Task RtuOverTcpReadsPymodbusWithTheRtuFramer()
    {
        await using var device = await PymodbusServer.StartAsync(Spec(), "rtu-tcp");
        await using var client = ModbusClient.RtuOverTcp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(3) }, TimeSpan.FromMilliseconds(2));
        await client.ConnectAsync(CancellationToken.None);
        await AssertReadsSpecAsync(client);
    }

    [Fact]
    public async Task UdpReadsPymodbusUdpServer()
    {
        await using var device = await PymodbusServer.StartAsync(Spec(), "udp");
        await using var client = ModbusClient.Udp("127.0.0.1", device.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(3) });
        await client.ConnectAsync(CancellationToken.None);
        await AssertReadsSpecAsync(client);
    }

    [Fact]
    public async Task TheConnectorReadsTwoUnitsOfAnRtuLine()
    {
        await using var device = await PymodbusServer.StartAsync(Spec(), "rtu-tcp");
        var options = new ModbusSourceOptions { Transport = ModbusTransportKind.RtuOverTcp, Host = "127.0.0.1", Port = device.Port, RequestTimeoutMs = 3000 };
        var connector = Collector.Connector(options, Collector.Tag("temperature", "40001", "float32", ByteOrder.Cdab), Collector.Tag("count", "40001", "uint32", unit: 3));
        var output = new Collector();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        await output.WaitForAsync(r => r.Tag == "temperature" && r.Quality == Quality.Good && r.Value.AsDouble() == 21.5, "temperature 21.5");
        await output.WaitForAsync(r => r.Tag == "count" && r.Quality == Quality.Good && r.Value.AsInt64() == 123456789, "count 123456789 from unit 3");
        await stop.CancelAsync();
        await run;
    }

    private static async Task AssertReadsSpecAsync(ModbusClient client)
    {
        var registers = await client.ReadHoldingRegistersAsync(1, 0, 2, CancellationToken.None);
        Assert.Equal(21.5, ModbusValueDecoder.Decode(registers, ModbusValueType.Float32, ByteOrder.Cdab).AsDouble());
        var input = await client.ReadInputRegistersAsync(1, 4, 1, CancellationToken.None);
        Assert.Equal(-250, ModbusValueDecoder.Decode(input, ModbusValueType.Int16, ByteOrder.Abcd).AsInt64());
        Assert.Equal(new[] { true, false, true }, await client.ReadCoilsAsync(1, 0, 3, CancellationToken.None));
        var other = await client.ReadHoldingRegistersAsync(3, 0, 2, CancellationToken.None);
        Assert.Equal(123456789, ModbusValueDecoder.Decode(other, ModbusValueType.UInt32, ByteOrder.Abcd).AsInt64());
        var refused = await Assert.ThrowsAsync<ModbusDeviceException>(() => client.ReadHoldingRegistersAsync(1, 100, 1, CancellationToken.None));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, refused.Code);
        // After the exception the line still serves.
        Assert.Equal(registers, await client.ReadHoldingRegistersAsync(1, 0, 2, CancellationToken.None));
    }
}
