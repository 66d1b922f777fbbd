using System.Globalization;
using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *` runs the micro benchmarks;
/// `-- opcua-read [rounds]` runs the client-against-client Read comparison with node-opcua;
/// `-- opcua-secure-read [rounds]` the Read throughput with SignAndEncrypt as a ratio to None;
/// `-- opcua-subscribe ...` the acquisition connector's CPU and RSS for a large subscription (<see cref="OpcUaSubscriptionLoad"/>);
/// `-- opcua-events [rounds]` events/s to MQTT at 1,000 alarms changing, as a ratio to 1,000 data changes (<see cref="OpcUaEventsThroughput"/>);
/// `-- melsec-read [rounds]` the MC protocol client's words/s and CPU per word against a raw socket loop (<see cref="MelsecReadThroughput"/>);
/// `-- modbus-read [requests]` our Modbus client against pymodbus as a ratio to a raw-socket loop (<see cref="ModbusReadThroughput"/>).
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "opcua-read")
        {
            await OpcUaReadThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100);
            return;
        }

        if (args.Length > 0 && args[0] == "opcua-secure-read")
        {
            await OpcUaSecureReadThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40);
            return;
        }

        if (args.Length > 0 && args[0] == "opcua-events")
        {
            await OpcUaEventsThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
            return;
        }

        if (args.Length > 0 && args[0] == "melsec-read")
        {
            await MelsecReadThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
            return;
        }

        if (args.Length > 0 && args[0] == "modbus-read")
        {
            await ModbusReadThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000);
            return;
        }

        if (args.Length > 0 && args[0] == "opcua-subscribe")
        {
            await OpcUaSubscriptionLoad.RunAsync(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
