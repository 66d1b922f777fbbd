namespace Gateway.Host;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("gateway: starting (the command line arrives with the foundation issue)");
        return args.Length >= 0 ? 0 : 1;
    }
}
