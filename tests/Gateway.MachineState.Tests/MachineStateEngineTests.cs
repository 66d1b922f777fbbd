using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.MachineState.Tests;

public sealed class MachineStateEngineTests
{
    private static readonly DateTime Day = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private static DateTime At(int hour, int minute = 0, int second = 0) => Day.AddHours(hour).AddMinutes(minute).AddSeconds(second);

    [Fact]
    public async Task A_batch_is_taken_in_timestamp_order_whatever_order_its_tags_came_in()
    {
        // One notification of a late Publish: the OPC UA server lists each monitored item's queued values together, here
        // the spindle load's three steps, then the execution value's.
        var options = new OeeOptions
        {
            TimeZone = "Etc/UTC",
            ReorderWindowMs = 0, // applied at once: the batch's own order is what is tested
            Calendar = new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "day", Start = "06:00", End = "14:00" }] },
            Templates = { ["cnc"] = Models.Cnc() },
        };
        var engine = new MachineStateEngine(options, [new TrackedMachine("sim", "cnc-01", "cnc", LabelSet.Empty)], new Discard(), null, new FixedTime(At(6)), NullLogger.Instance);

        await engine.WriteAsync(
            [
                Reading("spindle_load", ReadingValue.FromDouble(40), At(6, 0, 1)),
                Reading("spindle_load", ReadingValue.FromDouble(0), At(6, 0, 2)),
                Reading("spindle_load", ReadingValue.FromDouble(41), At(6, 0, 3)),
                Reading("execution", ReadingValue.FromString("RUNNING"), At(6, 0, 1)),
                Reading("execution", ReadingValue.FromString("IDLE"), At(6, 0, 2)),
                Reading("execution", ReadingValue.FromString("RUNNING"), At(6, 0, 3)),
            ],
            CancellationToken.None);

        var machine = Assert.Single(engine.Machines);
        Assert.Equal(MachineStateKind.Running, machine.State);
        Assert.Equal(At(6, 0, 3), machine.Since);
        var shift = Assert.Single(machine.OpenShifts);
        Assert.Equal(1, shift.StateSeconds[(int)MachineStateKind.Running]);
        Assert.Equal(1, shift.StateSeconds[(int)MachineStateKind.Idle]);
    }

    private static Reading Reading(string tag, ReadingValue value, DateTime at) => new()
    {
        Source = "sim",
        Machine = "cnc-01",
        Tag = tag,
        Value = value,
        Quality = Quality.Good,
        SourceTimestamp = at,
        ServerTimestamp = at,
        GatewayTimestamp = at.AddSeconds(2),
        Timestamp = at,
    };

    private sealed class Discard : IReadingWriter
    {
        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class FixedTime(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}
