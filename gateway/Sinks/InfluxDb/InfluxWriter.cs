namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// What the server answered to one write. Transport failures (refused connection, timeout) are thrown instead.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Message">The server's error message (empty on success).</param>
/// <param name="RetryAfter">The Retry-After the server asked for, if any.</param>
public readonly record struct WriteResult(int Status, string Message, TimeSpan? RetryAfter)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>Sends lines of line protocol to one InfluxDB write endpoint.</summary>
public interface IInfluxWriter : IDisposable
{
    /// <summary>Where the points go, for messages: e.g. <c>bucket "plant" at http://influx:8086</c>.</summary>
    string Target { get; }

    /// <summary>The YAML key(s) holding the credentials, for the message on 401/403.</summary>
    string CredentialsKeys { get; }

    /// <summary>The YAML key naming the bucket or database, for the message on 404.</summary>
    string ContainerKey { get; }

    Task<WriteResult> WriteAsync(IReadOnlyList<InfluxLine> lines, CancellationToken cancellationToken);
}
