using System.Globalization;
using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *` runs the micro benchmarks;
/// `-- opcua-read [rounds]` runs the client-against-client Read comparison with node-opcua.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "opcua-read")
        {
            await OpcUaReadThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
