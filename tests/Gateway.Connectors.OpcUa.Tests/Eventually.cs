namespace Gateway.Connectors.OpcUa.Tests;

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds; throws with <paramref name="what"/> when it does not in time.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout}: {what}");
            }

            await Task.Delay(50);
        }
    }
}
