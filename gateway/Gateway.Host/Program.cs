using Gateway.Host.CommandLine;

namespace Gateway.Host;

public static class Program
{
    public static Task<int> Main(string[] args) => GatewayCommandLine.InvokeAsync(args);
}
