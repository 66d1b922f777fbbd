using System.Collections.Concurrent;

using Gateway.Connectors.Modbus;
using Gateway.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Modbus.Tests;

/// <summary>Keeps every reading a connector writes, and waits for a condition on them (generous timeouts, no sleeps).</summary>
public sealed class Collector : IReadingWriter
{
    private readonly ConcurrentQueue<Reading> _readings = new();

    public IReadOnlyList<Reading> All => [.. _readings];

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        foreach (var reading in readings)
        {
            _readings.Enqueue(reading);
        }

        return ValueTask.CompletedTask;
    }

    public async Task<Reading> WaitForAsync(Func<Reading, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_readings.FirstOrDefault(condition) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no reading where {what}; got:\n{string.Join("\n", _readings.TakeLast(30).Select(r => $"{r.Tag}={r.Value} 0x{r.StatusCode:X8}"))}");
    }

    public static SourceTag Tag(string name, string register, string? type = null, ByteOrder? order = null, int? bit = null, int? length = null, int? unit = null, int intervalMs = 100, string group = "g") =>
        new("modbus-test", "m1", group, name, TimeSpan.FromMilliseconds(intervalMs), new ModbusGroupOptions(), new ModbusTagAddress { Register = register, Type = type, ByteOrder = order, Bit = bit, Length = length, Unit = unit }, "modbus", LabelSet.Empty);

    public static ModbusSourceConnector Connector(ModbusSourceOptions options, params SourceTag[] tags) =>
        new("modbus-test", options, tags, NullLogger.Instance, TimeProvider.System);
}
