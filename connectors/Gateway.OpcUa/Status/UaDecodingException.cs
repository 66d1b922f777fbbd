namespace Gateway.OpcUa.Status;

/// <summary>The one error a decoder throws: the bytes do not form a valid message, or exceed a limit.</summary>
public sealed class UaDecodingException : Exception
{
    public UaDecodingException(string message, uint statusCode = StatusCodes.BadDecodingError)
        : base(message) => StatusCode = statusCode;

    public UaDecodingException()
        : this("malformed message")
    {
    }

    public UaDecodingException(string message, Exception inner)
        : base(message, inner) => StatusCode = StatusCodes.BadDecodingError;

    public uint StatusCode { get; }
}
