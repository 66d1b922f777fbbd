namespace Gateway.Host.CommandLine;

/// <summary>The exit codes of every `gateway` command (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Success (for `read`: every node was read, whatever the status the server gave it).</summary>
    public const int Ok = 0;

    /// <summary>The configuration has errors (printed one per line as PATH:LINE:COLUMN: message).</summary>
    public const int InvalidConfiguration = 1;

    /// <summary>
    /// A connection or protocol error (refused, timed out, rejected by the server, message too large...); for `read`
    /// also a node whose `nsu=` namespace the server does not have (the other nodes are still printed).
    /// </summary>
    public const int ConnectionError = 2;

    /// <summary>The service stopped because of an unrecoverable runtime error (e.g. the buffer's disk failed).</summary>
    public const int RuntimeError = 3;

    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 64;
}
