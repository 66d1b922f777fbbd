using Polly;

namespace Gateway.Core;

/// <summary>
/// How a source keeps its device connection until the gateway stops: one session after another through the reconnect
/// pipeline's backoff. A session that ends on a connection fault is one failure of the outage (logged once per outage,
/// not once per retry, by <see cref="OutageEpisode"/>) and is retried; stopping ends the loop.
/// </summary>
public static class SourceSessions
{
    /// <param name="reconnect">The backoff between sessions (it must handle what <paramref name="faultKind"/> names).</param>
    /// <param name="session">Connects and reads until the connection fails or <c>ct</c> is cancelled.</param>
    /// <param name="faultKind">
    /// For a connection fault, what counts as the same cause in the outage (see <see cref="OutageEpisode.Failed"/>);
    /// null for any other exception, which is not recorded as an outage and goes to the pipeline as it is.
    /// </param>
    public static async Task RunAsync(
        ResiliencePipeline reconnect,
        Func<CancellationToken, Task> session,
        Func<Exception, string?> faultKind,
        OutageEpisode outage,
        CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await reconnect.ExecuteAsync(
                    async ct =>
                    {
                        try
                        {
                            await session(ct);
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested && faultKind(e) is { } kind)
                        {
                            outage.Failed(e.Message, "Retrying with backoff", kind);
                            throw;
                        }
                    },
                    cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
    }
}
