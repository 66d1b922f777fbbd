namespace Gateway.Core;

/// <summary>
/// The wait before a part that stopped unexpectedly (a source's connector, a sink's delivery run) is started again:
/// 1, 2, 4 ... s, at most a minute, while it keeps stopping; from 1 s again after a run that lasted
/// <see cref="HealthyRun"/>. One instance per supervised part.
/// </summary>
public sealed class RestartBackoff
{
    /// <summary>A run that lasted this long was healthy: the next unexpected stop starts the delay afresh.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(5);

    private int _consecutive;

    /// <summary>The wait before restart number <paramref name="consecutive"/> (1, 2, 4 ... s, at most a minute).</summary>
    public static TimeSpan Delay(int consecutive) => TimeSpan.FromSeconds(Math.Min(60, 1 << Math.Min(consecutive - 1, 6)));

    /// <summary>The wait after a run that lasted <paramref name="ranFor"/> and stopped unexpectedly.</summary>
    public TimeSpan AfterRun(TimeSpan ranFor)
    {
        _consecutive = ranFor >= HealthyRun ? 1 : _consecutive + 1;
        return Delay(_consecutive);
    }

    /// <summary>The wait after a restart that failed before the part ran at all.</summary>
    public TimeSpan AfterFailedStart() => Delay(++_consecutive);
}
