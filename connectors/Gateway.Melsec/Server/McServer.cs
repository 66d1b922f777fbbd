using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;

namespace Gateway.Melsec.Server;

/// <summary>
/// An MC protocol server in front of a <see cref="DeviceMemory"/>, over TCP and UDP on the same port number, as a CPU's built-in Ethernet port answers: batch
/// read (0401, subcommands 0000-0003) and random read (0403) in 3E and 4E frames, batch reads in the 1E frame, binary
/// or ASCII. Each TCP connection keeps the frame and code of its first request (a real port is set to one; the
/// simulator serves all on one port). Bytes that are not a frame close the connection, never the server.
/// For tests: <see cref="ForcedEndCode"/>, <see cref="ResponseDelay"/>, <see cref="ResetConnections"/>.
/// </summary>
public sealed class McServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly DeviceMemory _memory;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, bool> _connections = new();
    private readonly Task _accepting;
    private long _requests;

    private readonly UdpClient _udp;
    private readonly Task _datagrams;

    private McServer(DeviceMemory memory, IPAddress address, int port)
    {
        _memory = memory;
        _listener = new TcpListener(address, port);
        _listener.Start();
        // The same port number over UDP: one request per datagram, one answer per datagram.
        _udp = new UdpClient(new IPEndPoint(address, Port));
        _accepting = Task.Run(AcceptAsync);
        _datagrams = Task.Run(ServeDatagramsAsync);
    }

    private async Task ServeDatagramsAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            try
            {
                var format = Detect(datagram.Buffer) ?? throw new McFrameException("datagram too short");
                var length = format.Type == FrameType.Frame1E ? OneEFrames.RequestLength(format.Ascii)
                    : McFrames.TryGetFrameLength(datagram.Buffer, format, request: true, out var announced) ? announced : -1;
                if (length != datagram.Buffer.Length)
                {
                    continue;
                }

                var response = Handle(datagram.Buffer, format);
                Interlocked.Increment(ref _requests);
                await _udp.SendAsync(response, datagram.RemoteEndPoint, _stop.Token);
            }
            catch (Exception e) when (e is McFrameException or SocketException)
            {
                // Not a request: a PLC drops the datagram.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public static McServer Start(DeviceMemory memory, string bind = "127.0.0.1", int port = 0) =>
        new(memory, IPAddress.Parse(bind), port);

    public DeviceMemory Memory => _memory;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long RequestsServed => Interlocked.Read(ref _requests);

    public int Connections => _connections.Count;

    /// <summary>When set, every 3E/4E request is answered with this end code (a CPU that refuses everything).</summary>
    public ushort? ForcedEndCode { get; set; }

    /// <summary>Wait this long before each answer (a slow CPU, or a timeout test).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>When set, a read that touches an address it accepts is answered with C05Bh (a device the CPU cannot read).</summary>
    public Func<DeviceAddress, bool>? Refuses { get; set; }

    /// <summary>Closes every open connection with a reset (a CPU that reboots).</summary>
    public void ResetConnections()
    {
        foreach (var socket in _connections.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            _connections[socket] = true;
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[McFrames.MaxFrameLength];
        var received = 0;
        FrameFormat? format = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                received += read;
                while (received > 0)
                {
                    format ??= Detect(buffer.AsSpan(0, received));
                    if (format is null)
                    {
                        break;
                    }

                    int length;
                    if (format.Type == FrameType.Frame1E)
                    {
                        length = OneEFrames.RequestLength(format.Ascii);
                        if (received < length)
                        {
                            break;
                        }
                    }
                    else if (!McFrames.TryGetFrameLength(buffer.AsSpan(0, received), format, request: true, out length) || received < length)
                    {
                        if (received == buffer.Length)
                        {
                            return;
                        }

                        break;
                    }

                    var response = Handle(buffer.AsSpan(0, length), format);
                    Interlocked.Increment(ref _requests);
                    if (ResponseDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(ResponseDelay, _stop.Token);
                    }

                    await socket.SendAsync(response, SocketFlags.None, _stop.Token);
                    buffer.AsSpan(length, received - length).CopyTo(buffer);
                    received -= length;
                }
            }
        }
        catch (Exception e) when (e is McFrameException or SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Not a frame, or the peer went away: this connection ends, the server goes on.
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    /// <summary>The frame and code from a connection's first bytes (null: too few yet); throws for bytes that are no MC request.</summary>
    internal static FrameFormat? Detect(ReadOnlySpan<byte> start)
    {
        if (start.Length < 2)
        {
            return null;
        }

        return (start[0], start[1]) switch
        {
            (0x50, 0x00) => new FrameFormat(FrameType.Frame3E),
            (0x54, 0x00) => new FrameFormat(FrameType.Frame4E),
            (0x00 or 0x01, _) => new FrameFormat(FrameType.Frame1E),
            ((byte)'0', (byte)'0' or (byte)'1') => new FrameFormat(FrameType.Frame1E, Ascii: true),
            ((byte)'5', _) when start.Length < 4 => null,
            ((byte)'5', _) when start[..4].SequenceEqual("5000"u8) => new FrameFormat(FrameType.Frame3E, Ascii: true),
            ((byte)'5', _) when start[..4].SequenceEqual("5400"u8) => new FrameFormat(FrameType.Frame4E, Ascii: true),
            _ => throw new McFrameException($"not an MC request: it starts with {start[0]:X2}h {start[1]:X2}h"),
        };
    }

    /// <summary>One request in, its response out (3E/4E/1E).</summary>
    public byte[] Handle(ReadOnlySpan<byte> request, FrameFormat format) =>
        format.Type == FrameType.Frame1E ? Handle1E(request, format.Ascii) : Handle3E(request, format);

    private byte[] Handle3E(ReadOnlySpan<byte> request, FrameFormat format)
    {
        var reader = new FrameReader(request, format.Ascii);
        reader.Take(format.Ascii ? 4 : 2, "the subheader");
        ushort serial = 0;
        if (format.Type == FrameType.Frame4E)
        {
            serial = reader.UInt16();
            reader.UInt16();
        }

        var route = new AccessRoute(reader.Byte(), reader.Byte(), reader.UInt16(), reader.Byte());
        reader.UInt16();
        reader.UInt16();
        var command = reader.UInt16();
        var subcommand = reader.UInt16();
        var data = new FrameWriter(format.Ascii);
        ushort endCode;
        try
        {
            endCode = ForcedEndCode ?? (command, subcommand) switch
            {
                (McFrames.Command_BatchRead, <= McFrames.Sub_BitsExtended) => BatchRead(ref reader, subcommand, data),
                (McFrames.Command_RandomRead, McFrames.Sub_Words or McFrames.Sub_WordsExtended) => RandomRead(ref reader, subcommand == McFrames.Sub_WordsExtended, data),
                _ => EndCodes.CommandNotSupported,
            };
        }
        catch (McFrameException)
        {
            endCode = EndCodes.RequestContentError;
        }

        var response = new FrameWriter(format.Ascii);
        var lengthAt = McFrames.BeginResponse(response, format, route, serial);
        response.UInt16(endCode);
        if (endCode == EndCodes.Normal)
        {
            response.Raw(data.Written.Span);
        }
        else
        {
            // Error information: the route and command of the request that failed.
            response.Byte(route.Network);
            response.Byte(route.Station);
            response.UInt16(route.ModuleIo);
            response.Byte(route.Multidrop);
            response.UInt16(command);
            response.UInt16(subcommand);
        }

        McFrames.End(response, lengthAt);
        return response.Written.ToArray();
    }

    private ushort BatchRead(ref FrameReader reader, ushort subcommand, FrameWriter data)
    {
        var extended = subcommand >= McFrames.Sub_WordsExtended;
        var bits = subcommand is McFrames.Sub_Bits or McFrames.Sub_BitsExtended;
        var head = McFrames.ReadDevice(ref reader, extended);
        var points = reader.UInt16();
        if (reader.Remaining != 0)
        {
            return EndCodes.RequestDataError;
        }

        return ReadInto(head, points, bits, bits ? 7168 : 960, data);
    }

    private ushort ReadInto(DeviceAddress head, int points, bool bits, int max, FrameWriter data)
    {
        if (points == 0 || points > max)
        {
            return EndCodes.PointsOutOfRange;
        }

        if (bits && !head.Device.IsBit)
        {
            return EndCodes.RequestContentError;
        }

        if (Refuses is { } refuses && Enumerable.Range(0, bits || !head.Device.IsBit ? points : points * 16).Any(i => refuses(head.Offset(i))))
        {
            return EndCodes.DeviceCannotBeAccessed;
        }

        if (bits)
        {
            var values = new bool[points];
            if (!_memory.TryReadBits(head, values))
            {
                return EndCodes.DeviceOutOfRange;
            }

            McData.WriteBits(data, values);
        }
        else
        {
            var values = new ushort[points];
            if (!_memory.TryReadWords(head, values))
            {
                return EndCodes.DeviceOutOfRange;
            }

            McData.WriteWords(data, values);
        }

        return EndCodes.Normal;
    }

    private ushort RandomRead(ref FrameReader reader, bool extended, FrameWriter data)
    {
        var words = reader.Byte();
        var doubleWords = reader.Byte();
        if (words + doubleWords is 0 || words + doubleWords > (extended ? 96 : 192))
        {
            return EndCodes.RandomPointsOutOfRange;
        }

        var devices = new DeviceAddress[words + doubleWords];
        for (var i = 0; i < devices.Length; i++)
        {
            devices[i] = McFrames.ReadDevice(ref reader, extended);
        }

        if (reader.Remaining != 0)
        {
            return EndCodes.RequestDataError;
        }

        Span<ushort> one = stackalloc ushort[2];
        for (var i = 0; i < devices.Length; i++)
        {
            var count = i < words ? 1 : 2;
            if (Refuses is { } refuses && refuses(devices[i]))
            {
                return EndCodes.DeviceCannotBeAccessed;
            }

            if (!_memory.TryReadWords(devices[i], one[..count]))
            {
                return EndCodes.DeviceOutOfRange;
            }

            if (count == 1)
            {
                data.UInt16(one[0]);
            }
            else
            {
                data.UInt32((uint)(one[0] | (one[1] << 16)));
            }
        }

        return EndCodes.Normal;
    }

    private byte[] Handle1E(ReadOnlySpan<byte> request, bool ascii)
    {
        var reader = new FrameReader(request, ascii);
        var subheader = reader.Byte();
        reader.Byte();
        reader.UInt16();
        int number;
        ushort code;
        if (ascii)
        {
            code = reader.UInt16();
            number = (int)reader.UInt32();
        }
        else
        {
            number = (int)reader.UInt32();
            code = reader.UInt16();
        }

        int points = reader.Byte();
        points = points == 0 ? OneEFrames.MaxPoints : points;
        var response = new FrameWriter(ascii);
        response.Byte((byte)(subheader | 0x80));
        var device = DeviceTypes.By1ECode(code);
        var data = new FrameWriter(ascii);
        var endCode = subheader is not (OneEFrames.BitRead or OneEFrames.WordRead) ? EndCodes.OneECommandError
            : device is null ? EndCodes.OneEDeviceError
            : ReadInto(new DeviceAddress(device, number), points, subheader == OneEFrames.BitRead, OneEFrames.MaxPoints, data) switch
            {
                EndCodes.Normal => EndCodes.Normal,
                EndCodes.DeviceOutOfRange => EndCodes.OneERangeError,
                EndCodes.PointsOutOfRange => EndCodes.OneEPointsError,
                _ => EndCodes.OneEDeviceError,
            };
        response.Byte((byte)endCode);
        if (endCode == EndCodes.Normal)
        {
            response.Raw(data.Written.Span);
        }

        return response.Written.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetConnections();
        _udp.Dispose();
        await _accepting;
        await _datagrams;
        _stop.Dispose();
    }
}
