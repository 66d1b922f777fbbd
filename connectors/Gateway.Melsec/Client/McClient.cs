using System.Buffers;
using System.Net.Sockets;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Frames;

namespace Gateway.Melsec.Client;

public enum McTransport
{
    Tcp,
    Udp,
}

/// <summary>How a client talks to one PLC port; each value must match the port's settings in the PLC (GX Works).</summary>
public sealed record McClientOptions
{
    public FrameFormat Format { get; init; } = FrameFormat.Binary3E;

    public AccessRoute Route { get; init; } = AccessRoute.OwnStation;

    public McTransport Transport { get; init; } = McTransport.Tcp;

    /// <summary>The CPU's own wait for a routed request, in units of 250 ms (0: wait forever); 3E/4E and 1E alike.</summary>
    public ushort MonitoringTimer { get; init; } = 16;

    /// <summary>How long to wait for a response (and for the connection) before giving up on the connection.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>iQ-R device extension: subcommands 0002/0003, 4-byte device numbers, 2-byte device codes.</summary>
    public bool DeviceExtension { get; init; }
}

/// <summary>
/// An MC protocol (SLMP) client for one PLC port: batch reads of words and bits, random reads of words and double
/// words, over TCP or UDP, in the 3E, 4E or 1E frame, binary or ASCII. One request at a time (the CPU answers in
/// order; 4E serial numbers are checked). An end code other than 0 throws <see cref="McEndCodeException"/> and the
/// connection stays usable; a timeout, a malformed response or a lost socket breaks the connection (a late answer would
/// be taken for the next one): the caller connects again.
/// </summary>
public sealed class McClient : IAsyncDisposable
{
    /// <summary>Batch read limits of 3E/4E (SLMP "Read"): 960 words, 7168 bits per request.</summary>
    public const int MaxWordPoints = 960;

    public const int MaxBitPoints = 7168;

    /// <summary>Random read: word plus double-word points per request (96 with the iQ-R extension).</summary>
    public const int MaxRandomPoints = 192;

    public const int MaxRandomPointsExtended = 96;

    private readonly Socket _socket;
    private readonly McClientOptions _options;
    private readonly string _endpoint;
    private readonly FrameWriter _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _receive = new byte[McFrames.MaxFrameLength];
    private ushort _serial;
    private CancellationTokenSource _timeout = new();
    private volatile string? _broken;

    private McClient(Socket socket, string endpoint, McClientOptions options)
    {
        _socket = socket;
        _endpoint = endpoint;
        _options = options;
        _writer = new FrameWriter(options.Format.Ascii);
    }

    public McClientOptions Options => _options;

    /// <summary>"192.168.0.10:5000", as errors name it.</summary>
    public string Endpoint => _endpoint;

    /// <summary>False once a timeout, a malformed frame or a lost socket ended the connection.</summary>
    public bool IsUsable => _broken is null;

    /// <summary>Requests answered (with any end code) since connecting.</summary>
    public long Requests { get; private set; }

    public static async Task<McClient> ConnectAsync(string host, int port, McClientOptions options, CancellationToken cancellationToken)
    {
        var socket = options.Transport == McTransport.Udp
            ? new Socket(SocketType.Dgram, ProtocolType.Udp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"{host}:{port}: no connection within {options.RequestTimeout.TotalMilliseconds:0} ms (is the PLC on, and is the port open in its Ethernet settings?)");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"{host}:{port}: {e.Message} (is the port open for the MC protocol in the PLC's Ethernet settings?)", e);
        }

        return new McClient(socket, $"{host}:{port}", options);
    }

    /// <summary>Batch read of <paramref name="into"/>.Length words from <paramref name="head"/> (a word device, or a bit device in 16-point units).</summary>
    public async Task ReadWordsAsync(DeviceAddress head, Memory<ushort> into, CancellationToken cancellationToken)
    {
        var max = _options.Format.Type == FrameType.Frame1E ? OneEFrames.MaxPoints : MaxWordPoints;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(into.Length, max);
        ArgumentOutOfRangeException.ThrowIfZero(into.Length);
        await ExchangeAsync(
            new Request(head, into.Length, Bits: false),
            into.Length * McData.WordBytes(_options.Format.Ascii),
            (data, ascii) => McData.ReadWords(data, ascii, into.Span),
            cancellationToken);
    }

    public async Task<ushort[]> ReadWordsAsync(DeviceAddress head, int count, CancellationToken cancellationToken)
    {
        var words = new ushort[count];
        await ReadWordsAsync(head, words, cancellationToken);
        return words;
    }

    /// <summary>Batch read of <paramref name="count"/> points of a bit device in bit units.</summary>
    public async Task<bool[]> ReadBitsAsync(DeviceAddress head, int count, CancellationToken cancellationToken)
    {
        var max = _options.Format.Type == FrameType.Frame1E ? OneEFrames.MaxPoints : MaxBitPoints;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, max);
        ArgumentOutOfRangeException.ThrowIfZero(count);
        var bits = new bool[count];
        await ExchangeAsync(
            new Request(head, count, Bits: true),
            McData.BitBytes(count, _options.Format.Ascii),
            (data, ascii) => McData.ReadBits(data, ascii, bits),
            cancellationToken);
        return bits;
    }

    /// <summary>Random read (0403) of scattered word and double-word devices; 3E/4E only.</summary>
    public async Task<(ushort[] Words, uint[] DoubleWords)> RandomReadAsync(IReadOnlyList<DeviceAddress> words, IReadOnlyList<DeviceAddress> doubleWords, CancellationToken cancellationToken)
    {
        if (_options.Format.Type == FrameType.Frame1E)
        {
            throw new NotSupportedException("the 1E frame has no random read; read each device with a batch read");
        }

        var max = _options.DeviceExtension ? MaxRandomPointsExtended : MaxRandomPoints;
        if (words.Count + doubleWords.Count is 0 || words.Count + doubleWords.Count > max)
        {
            throw new ArgumentOutOfRangeException(nameof(words), $"a random read takes 1 to {max} points, not {words.Count + doubleWords.Count}");
        }

        var ascii = _options.Format.Ascii;
        var expected = (words.Count * McData.WordBytes(ascii)) + (doubleWords.Count * 2 * McData.WordBytes(ascii));
        var wordValues = new ushort[words.Count];
        var doubleValues = new uint[doubleWords.Count];
        await ExchangeAsync(
            new Request(default, 0, false, words, doubleWords),
            expected,
            (data, ascii) =>
            {
                if (data.Length != expected)
                {
                    throw new McFrameException($"random read response has {data.Length} data byte(s), expected {expected}");
                }

                var reader = new FrameReader(data, ascii);
                for (var i = 0; i < wordValues.Length; i++)
                {
                    wordValues[i] = reader.UInt16();
                }

                for (var i = 0; i < doubleValues.Length; i++)
                {
                    doubleValues[i] = reader.UInt32();
                }
            },
            cancellationToken);
        return (wordValues, doubleValues);
    }

    /// <summary>What to send: a batch read (head, points, bits) or, with <paramref name="Words"/> set, a random read.</summary>
    private readonly record struct Request(DeviceAddress Head, int Points, bool Bits, IReadOnlyList<DeviceAddress>? Words = null, IReadOnlyList<DeviceAddress>? DoubleWords = null)
    {
        public override string ToString() => Words is not null
            ? $"random read of {Words.Count + DoubleWords!.Count} points"
            : $"read {Head} x{Points} {(Bits ? "bits" : "words")}";
    }

    /// <summary>Decodes the data of a response whose end code is 0 (inside the request's turn, from the receive buffer).</summary>
    private delegate void DataDecoder(ReadOnlySpan<byte> data, bool ascii);

    private void WriteRequest(FrameWriter writer, Request request)
    {
        if (request.Words is not null)
        {
            McFrames.WriteRandomRead(writer, request.Words, request.DoubleWords!, _options.DeviceExtension);
        }
        else
        {
            WriteBatchRead(writer, request.Head, request.Points, request.Bits);
        }
    }

    private void WriteBatchRead(FrameWriter writer, DeviceAddress head, int points, bool bits)
    {
        if (_options.Format.Type == FrameType.Frame1E)
        {
            OneEFrames.WriteBatchRead(writer, _options.Route.Station, _options.MonitoringTimer, head, points, bits);
        }
        else
        {
            McFrames.WriteBatchRead(writer, head, points, bits, _options.DeviceExtension);
        }
    }

    /// <summary>Sends one request, checks the response's frame and end code, and decodes its data in place.</summary>
    private async Task ExchangeAsync(Request request, int expectedData, DataDecoder decode, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var what = request.ToString();
            if (_broken is { } why)
            {
                throw new IOException($"{_endpoint}: the connection is closed ({why}); connect again");
            }

            var format = _options.Format;
            _writer.Reset();
            var serial = ++_serial;
            byte subheader = 0;
            if (format.Type == FrameType.Frame1E)
            {
                WriteRequest(_writer, request);
                subheader = _options.Format.Ascii ? (byte)FrameReader.Hex(_writer.Written.Span[..2]) : _writer.Written.Span[0];
            }
            else
            {
                var lengthAt = McFrames.BeginRequest(_writer, format, _options.Route, serial);
                _writer.UInt16(_options.MonitoringTimer);
                WriteRequest(_writer, request);
                McFrames.End(_writer, lengthAt);
            }

            // One timeout source for the connection, armed per request and reset after it (no allocation per request).
            _timeout.CancelAfter(_options.RequestTimeout);
            using var linked = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _timeout) : default;
            var timeout = _timeout.Token;
            int length;
            try
            {
                await _socket.SendAsync(_writer.Written, SocketFlags.None, timeout);
                length = _options.Transport == McTransport.Udp
                    ? await _socket.ReceiveAsync(_receive, SocketFlags.None, timeout)
                    : await ReceiveFrameAsync(subheader, expectedData, timeout);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Break("timeout");
                throw new TimeoutException($"{_endpoint}: no response to {what} within {_options.RequestTimeout.TotalMilliseconds:0} ms");
            }
            catch (SocketException e)
            {
                Break(e.SocketErrorCode.ToString());
                throw new IOException($"{_endpoint}: {what}: {e.Message}", e);
            }
            catch (McFrameException e)
            {
                Break("malformed response");
                throw new McFrameException($"{_endpoint}: {what}: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                // Cancelled mid-request: the answer may still come and would be taken for the next request's.
                Break("cancelled");
                throw;
            }

            McResponse response;
            try
            {
                response = format.Type == FrameType.Frame1E
                    ? OneEFrames.ParseResponse(_receive.AsSpan(0, length), format.Ascii)
                    : McFrames.ParseResponse(_receive.AsSpan(0, length), format, serial);
            }
            catch (McFrameException e)
            {
                Break("malformed response");
                throw new McFrameException($"{_endpoint}: {what}: {e.Message}");
            }

            Requests++;
            if (response.EndCode != EndCodes.Normal)
            {
                throw new McEndCodeException(response.EndCode, $"{_endpoint}: {what}");
            }

            try
            {
                decode(_receive.AsSpan(response.DataOffset, response.DataLength), format.Ascii);
            }
            catch (McFrameException e)
            {
                // Data that does not fit the request (too few or too many bytes, a bit neither 0 nor 1) is a malformed frame.
                Break("malformed response");
                throw new McFrameException($"{_endpoint}: {what}: {e.Message}");
            }
        }
        finally
        {
            if (!_timeout.TryReset())
            {
                _timeout.Dispose();
                _timeout = new CancellationTokenSource();
            }

            _gate.Release();
        }
    }

    /// <summary>Reads exactly one response frame from the stream: its header says how long it is (1E: the request does).</summary>
    private async Task<int> ReceiveFrameAsync(byte subheader1E, int expectedData, CancellationToken cancellationToken)
    {
        var received = 0;
        while (true)
        {
            int length;
            var complete = _options.Format.Type == FrameType.Frame1E
                ? OneEFrames.TryGetResponseLength(_receive.AsSpan(0, received), _options.Format.Ascii, subheader1E, expectedData, out length)
                : McFrames.TryGetFrameLength(_receive.AsSpan(0, received), _options.Format, request: false, out length) && received >= length;
            if (complete)
            {
                if (received > length)
                {
                    throw new McFrameException($"{received - length} byte(s) after the response; the PLC sent more than one answer");
                }

                return length;
            }

            var read = await _socket.ReceiveAsync(_receive.AsMemory(received), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                Break("closed by the PLC");
                throw new IOException($"{_endpoint}: the PLC closed the connection{(received > 0 ? $" after {received} byte(s) of a response" : "")}");
            }

            received += read;
        }
    }

    private void Break(string why)
    {
        _broken ??= why;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _broken ??= "disposed";
        _socket.Dispose();
        _gate.Dispose();
        _timeout.Dispose();
        return ValueTask.CompletedTask;
    }
}
