namespace Gateway.OpcUa.Status;

/// <summary>Base of the errors the stack raises: each carries the OPC UA status code that best names the cause.</summary>
public class UaException : Exception
{
    public UaException(uint statusCode, string message, Exception? inner = null)
        : base(message, inner) => StatusCode = statusCode;

    public UaException()
        : this(StatusCodes.Bad, "OPC UA error")
    {
    }

    public UaException(string message)
        : this(StatusCodes.Bad, message)
    {
    }

    public UaException(string message, Exception inner)
        : this(StatusCodes.Bad, message, inner)
    {
    }

    public uint StatusCode { get; }

    public string StatusName => StatusCodes.NameOf(StatusCode);
}

/// <summary>The connection failed or broke: refused, timed out, closed, an Error message from the server, a malformed chunk.</summary>
public sealed class UaTransportException : UaException
{
    public UaTransportException(uint statusCode, string message, Exception? inner = null)
        : base(statusCode, message, inner)
    {
    }

    public UaTransportException()
    {
    }

    public UaTransportException(string message)
        : base(message)
    {
    }

    public UaTransportException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The server answered a service call with a bad ServiceResult or a ServiceFault.</summary>
public sealed class UaServiceException : UaException
{
    public UaServiceException(uint statusCode, string message)
        : base(statusCode, message)
    {
    }

    public UaServiceException()
    {
    }

    public UaServiceException(string message)
        : base(message)
    {
    }

    public UaServiceException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
