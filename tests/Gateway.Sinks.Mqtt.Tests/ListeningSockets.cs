using System.Globalization;
using System.Net;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>The TCP sockets of this machine in LISTEN state on a port, read from /proc/net/tcp and /proc/net/tcp6 (Linux).</summary>
public static class ListeningSockets
{
    private const string ListenState = "0A";

    public static IReadOnlyList<IPAddress> On(int port) =>
        [.. Read("/proc/net/tcp", port), .. Read("/proc/net/tcp6", port)];

    private static IEnumerable<IPAddress> Read(string file, int port)
    {
        if (!File.Exists(file))
        {
            yield break;
        }

        // Lines: "sl local_address rem_address st ...", local_address = HEXADDR:HEXPORT, the address in 32-bit words
        // of host byte order (little-endian here).
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1].Split(':');
            if (fields[3] != ListenState || int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port)
            {
                continue;
            }

            var bytes = Convert.FromHexString(local[0]);
            for (var word = 0; word < bytes.Length; word += 4)
            {
                Array.Reverse(bytes, word, 4);
            }

            yield return new IPAddress(bytes);
        }
    }
}
