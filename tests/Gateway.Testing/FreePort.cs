using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>
/// Free TCP ports on 127.0.0.1 for test servers. Never another address.
/// A port is found free here and bound later by a server process, so it must not be one the kernel may give any
/// outgoing connection meanwhile (the ephemeral range, Linux's /proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by
/// default): CI once saw mosquitto fail with "Address already in use" on a port from that range. Ports are picked at
/// random below it, and no port is handed out twice in one test process.
/// </summary>
public static class FreePort
{
    private const int RangeWidth = 12_000;
    private static readonly HashSet<int> Given = [];
    private static readonly int EphemeralLow = ReadEphemeralLow();

    public static int Next()
    {
        var low = EphemeralLow - RangeWidth;
        lock (Given)
        {
            if (low >= 1024)
            {
                for (var attempt = 0; attempt < 1000; attempt++)
                {
                    var port = Random.Shared.Next(low, EphemeralLow);
                    if (!Given.Contains(port) && CanListen(port))
                    {
                        Given.Add(port);
                        return port;
                    }
                }
            }

            // A system whose ephemeral range leaves no room below it: the kernel's choice, as before.
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralLow()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            if (File.Exists(RangeFile))
            {
                var first = File.ReadAllText(RangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
                return int.Parse(first, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
        }

        // Windows and macOS: IANA's dynamic range starts at 49152.
        return OperatingSystem.IsLinux() ? 32768 : 49152;
    }
}
