namespace Gateway.Core;

/// <summary>Where a connector hands its readings: the front of the pipeline.</summary>
public interface IReadingWriter
{
    /// <summary>
    /// Accepts a batch of readings. When the returned task completes, the readings are in the pipeline
    /// (and, once normalized, committed to the buffer). Applies back-pressure when the buffer is full
    /// and configured to refuse new readings.
    /// </summary>
    ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken);
}
