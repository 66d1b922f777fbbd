namespace Gateway.Core;

/// <summary>
/// Thrown by <see cref="ISink.DeliverAsync"/> when the destination asked to be left alone for a while
/// (HTTP 429 / 503 with Retry-After, say): the buffer should retry the batch no sooner than <see cref="RetryAfter"/>.
/// </summary>
public sealed class RetryLaterException : Exception
{
    public RetryLaterException(string message, TimeSpan retryAfter, Exception? innerException = null)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>The earliest time, from now, at which a retry makes sense.</summary>
    public TimeSpan RetryAfter { get; }
}
