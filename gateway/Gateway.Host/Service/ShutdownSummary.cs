using Gateway.Buffer;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>
/// The last line of a run: whether every reading read is in the buffer, or how many could not be stored and why.
/// Made from counters only, so it can be said after the buffer is closed.
/// </summary>
public static class ShutdownSummary
{
    public static (LogLevel Level, string Message) Describe(StoreAndForwardBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var dropped = buffer.DroppedTotal;
        // Dropped counts survive restarts (counters.json): "so far", not "in this run".
        var droppedNote = dropped > 0
            ? $"; the buffer's bounds have dropped {dropped} undelivered reading(s) so far, before a sink had them (`gateway buffer stats`)"
            : "";
        var refused = buffer.RefusedTotal;
        if (refused == 0)
        {
            return dropped == 0
                ? (LogLevel.Information, "Gateway stopped: every reading read is in the buffer")
                : (LogLevel.Warning, $"Gateway stopped: every reading read was stored{droppedNote}");
        }

        var byReason = string.Join(", ", buffer.Refused.Where(r => r.Value > 0).Select(r => $"{StoreAndForwardBuffer.RefusalLabel(r.Key)} {r.Value}"));
        return (LogLevel.Warning, $"Gateway stopped: {refused} reading(s) read could not be stored and are lost ({byReason}); every other reading read was stored{droppedNote}");
    }
}
