using System.Globalization;

namespace Gateway.Host.Logging;

/// <summary>
/// The one way the gateway shows a time to a person (log lines, `gateway status`): ISO 8601 in the machine's local
/// time with its offset, e.g. 2026-12-06T15:04:05.123+09:00: the wall clock an operator compares with, and still one
/// unambiguous instant. Payloads for machines (MQTT JSON, InfluxDB) stay UTC (docs/monitoring.md, "Times").
/// </summary>
public static class LocalTimestamp
{
    public const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";

    public static string Format(DateTimeOffset time) => time.ToLocalTime().ToString(Pattern, CultureInfo.InvariantCulture);
}
