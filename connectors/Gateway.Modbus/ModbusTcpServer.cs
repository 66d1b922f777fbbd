using System.Net;
using System.Net.Sockets;

namespace Gateway.Modbus;

/// <summary>
/// A small Modbus TCP server for the read functions, serving a <see cref="ModbusDataStore"/>: the simulator's, and the
/// tests'. Each connection answers its requests in order; a request for a unit the store does not have is answered
/// GATEWAY TARGET DEVICE FAILED TO RESPOND, as a gateway does; a malformed frame closes that connection.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ModbusDataStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private Task? _accepting;

    public ModbusTcpServer(ModbusDataStore store, IPAddress address, int port)
    {
        _store = store;
        _listener = new TcpListener(address, port);
    }

    /// <summary>The port listened on (the one the OS chose when 0 was asked).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    public void Start()
    {
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_lock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var header = new byte[MbapHeader.Size];
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(header, _stopping.Token);
                var request = MbapHeader.Read(header);
                var pdu = new byte[request.PduLength];
                await stream.ReadExactlyAsync(pdu, _stopping.Token);
                var answer = _store.HasUnit(request.Unit) || request.Unit is 0 or 255 && _store.HasUnit(1)
                    ? _store.Answer(request.Unit is 0 or 255 && !_store.HasUnit(request.Unit) ? (byte)1 : request.Unit, pdu)
                    : [(byte)(pdu[0] | 0x80), (byte)ModbusExceptionCode.GatewayTargetDeviceFailedToRespond];
                var frame = new byte[MbapHeader.Size + answer.Length];
                MbapHeader.Write(frame, request.TransactionId, request.Unit, answer.Length);
                answer.CopyTo(frame, MbapHeader.Size);
                await stream.WriteAsync(frame, _stopping.Token);
                Interlocked.Increment(ref _requests);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or OperationCanceledException or ModbusFrameException or ObjectDisposedException)
        {
            // The client left, or sent what is not Modbus: this connection ends, the server goes on.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Task[] running;
        lock (_lock)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running.Append(_accepting ?? Task.CompletedTask)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }
}
