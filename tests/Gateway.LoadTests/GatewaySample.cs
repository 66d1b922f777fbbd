using System.Globalization;

namespace Gateway.LoadTests;

/// <summary>One look at the gateway from outside: its process in /proc and its /metrics.</summary>
public sealed record GatewaySample
{
    public DateTime At { get; init; }

    /// <summary>utime + stime of the process, in seconds.</summary>
    public double CpuSeconds { get; init; }

    public long RssBytes { get; init; }

    /// <summary>VmHWM: the peak resident size since the process started.</summary>
    public long PeakRssBytes { get; init; }

    public int Threads { get; init; }

    /// <summary>Open file descriptors (/proc/PID/fd).</summary>
    public int Handles { get; init; }

    public double ReadingsIn { get; init; }

    public double BufferAppended { get; init; }

    public IReadOnlyDictionary<string, double> DeliveredBySink { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, double> PendingBySink { get; init; } = new Dictionary<string, double>();

    public bool SourceConnected { get; init; }

    /// <summary>Reads /proc/PID/stat and status and scrapes <paramref name="metricsUrl"/>; null when the process is gone.</summary>
    public static async Task<GatewaySample?> TakeAsync(int processId, HttpClient http, string metricsUrl)
    {
        var proc = ReadProc(processId);
        if (proc is null)
        {
            return null;
        }

        string metrics;
        try
        {
            metrics = await http.GetStringAsync(metricsUrl);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return proc;
        }

        var delivered = new Dictionary<string, double>();
        var pending = new Dictionary<string, double>();
        double readingsIn = 0, appended = 0;
        var connected = false;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var name = line[..space];
            if (name.StartsWith("gateway_readings_in_total", StringComparison.Ordinal))
            {
                readingsIn += value;
            }
            else if (name.StartsWith("gateway_buffer_appended_total", StringComparison.Ordinal))
            {
                appended = value;
            }
            else if (name.StartsWith("gateway_readings_out_total{", StringComparison.Ordinal))
            {
                delivered[Label(name, "sink")] = value;
            }
            else if (name.StartsWith("gateway_buffer_pending{", StringComparison.Ordinal))
            {
                pending[Label(name, "sink")] = value;
            }
            else if (name.StartsWith("gateway_source_connected{", StringComparison.Ordinal))
            {
                connected = value >= 1;
            }
        }

        return proc with
        {
            ReadingsIn = readingsIn,
            BufferAppended = appended,
            DeliveredBySink = delivered,
            PendingBySink = pending,
            SourceConnected = connected,
        };
    }

    private static string Label(string series, string label)
    {
        var start = series.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        start += label.Length + 2;
        return series[start..series.IndexOf('"', start)];
    }

    /// <summary>The /proc part of a sample alone (CPU, memory, threads, handles); null when the process is gone.</summary>
    public static GatewaySample? ReadProc(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");

            // Fields after the command name (which may hold spaces, inside parentheses): 14 utime, 15 stime (clock ticks, 100/s).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            long rss = 0, hwm = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
                }
            }

            return new GatewaySample
            {
                At = DateTime.UtcNow,
                CpuSeconds = cpu,
                RssBytes = rss,
                PeakRssBytes = hwm,
                Threads = threads,
                Handles = Directory.GetFiles($"/proc/{processId}/fd").Length,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Voluntary context switches of all the process's threads so far: each is a thread going to sleep, so over a window
    /// their rate counts the process's wake-ups (a thread that ended meanwhile takes its count with it). Null when gone.
    /// </summary>
    public static long? VoluntaryContextSwitches(int processId)
    {
        try
        {
            long total = 0;
            foreach (var task in Directory.GetDirectories($"/proc/{processId}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            total += long.Parse(line["voluntary_ctxt_switches:".Length..].Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // the thread ended between the listing and the read
                }
            }

            return total;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
