using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>Free TCP ports on 127.0.0.1 for test servers. Never another address.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
