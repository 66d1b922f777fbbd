using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks;

/// <summary>`dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *` runs the micro benchmarks.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
