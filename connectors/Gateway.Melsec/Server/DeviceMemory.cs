using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Server;

/// <summary>
/// The device memory of a simulated CPU: one array per device, words for word devices (D, W, R, ...), bits for bit
/// devices (M, X, B, ...), sized like a Q CPU's defaults unless told otherwise. A read past a device's size is refused
/// as the CPU refuses it (end code C056h). Thread-safe: <see cref="Update"/> writes a batch of values that a read never
/// sees half done (a 32-bit value is never torn).
/// </summary>
public sealed class DeviceMemory
{
    private readonly object _lock = new();
    private readonly Dictionary<DeviceType, ushort[]> _words = [];
    private readonly Dictionary<DeviceType, bool[]> _bits = [];

    /// <param name="sizes">Points per device; a device left out gets <see cref="DefaultSize"/>.</param>
    public DeviceMemory(IReadOnlyDictionary<DeviceType, int>? sizes = null)
    {
        foreach (var device in DeviceTypes.All)
        {
            var size = sizes is not null && sizes.TryGetValue(device, out var given) ? given : DefaultSize(device);
            if (device.IsBit)
            {
                _bits[device] = new bool[size];
            }
            else
            {
                _words[device] = new ushort[size];
            }
        }
    }

    /// <summary>Roughly a Q CPU's default device points (D 12288, M 8192, X/Y 8192, R 32768, ZR 65536, ...).</summary>
    public static int DefaultSize(DeviceType device) => device.Name switch
    {
        "D" => 12288,
        "R" => 32768,
        "ZR" => 65536,
        "X" or "Y" or "M" or "L" or "B" or "W" or "DX" or "DY" or "S" => 8192,
        "Z" => 20,
        _ => 2048,
    };

    public int SizeOf(DeviceType device) => device.IsBit ? _bits[device].Length : _words[device].Length;

    /// <summary>Runs <paramref name="write"/> with every read held off until it is done.</summary>
    public void Update(Action<DeviceMemory> write)
    {
        lock (_lock)
        {
            write(this);
        }
    }

    public void SetWord(DeviceAddress address, ushort value)
    {
        lock (_lock)
        {
            _words[RequireWord(address)][address.Number] = value;
        }
    }

    public void SetInt16(DeviceAddress address, short value) => SetWord(address, unchecked((ushort)value));

    /// <summary>MELSEC's 32-bit order: the low word at the lower number (D100 low, D101 high).</summary>
    public void SetInt32(DeviceAddress address, int value)
    {
        lock (_lock)
        {
            SetWord(address, unchecked((ushort)value));
            SetWord(address.Offset(1), unchecked((ushort)(value >> 16)));
        }
    }

    public void SetFloat32(DeviceAddress address, float value) => SetInt32(address, BitConverter.SingleToInt32Bits(value));

    public void SetFloat64(DeviceAddress address, double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        lock (_lock)
        {
            for (var i = 0; i < 4; i++)
            {
                SetWord(address.Offset(i), unchecked((ushort)(bits >> (16 * i))));
            }
        }
    }

    /// <summary>Two characters per word, the first in the low byte; the rest of <paramref name="words"/> words filled with 0.</summary>
    public void SetString(DeviceAddress address, string text, int words)
    {
        lock (_lock)
        {
            for (var i = 0; i < words; i++)
            {
                var low = 2 * i < text.Length ? (byte)text[2 * i] : (byte)0;
                var high = (2 * i) + 1 < text.Length ? (byte)text[(2 * i) + 1] : (byte)0;
                SetWord(address.Offset(i), (ushort)(low | (high << 8)));
            }
        }
    }

    public void SetBit(DeviceAddress address, bool value)
    {
        lock (_lock)
        {
            if (!address.Device.IsBit)
            {
                throw new ArgumentException($"{address} is a word device", nameof(address));
            }

            _bits[address.Device][address.Number] = value;
        }
    }

    public ushort GetWord(DeviceAddress address)
    {
        lock (_lock)
        {
            return _words[RequireWord(address)][address.Number];
        }
    }

    public bool GetBit(DeviceAddress address)
    {
        lock (_lock)
        {
            return _bits[address.Device][address.Number];
        }
    }

    /// <summary>Words from <paramref name="head"/>; a bit device gives 16 points per word, the lowest number in bit 0. False when out of range.</summary>
    public bool TryReadWords(DeviceAddress head, Span<ushort> into)
    {
        lock (_lock)
        {
            if (head.Device.IsBit)
            {
                var bits = _bits[head.Device];
                if (head.Number < 0 || (long)head.Number + (16L * into.Length) > bits.Length)
                {
                    return false;
                }

                for (var i = 0; i < into.Length; i++)
                {
                    ushort word = 0;
                    for (var b = 0; b < 16; b++)
                    {
                        if (bits[head.Number + (16 * i) + b])
                        {
                            word |= (ushort)(1 << b);
                        }
                    }

                    into[i] = word;
                }

                return true;
            }

            var words = _words[head.Device];
            if (head.Number < 0 || (long)head.Number + into.Length > words.Length)
            {
                return false;
            }

            words.AsSpan(head.Number, into.Length).CopyTo(into);
            return true;
        }
    }

    public bool TryReadBits(DeviceAddress head, Span<bool> into)
    {
        lock (_lock)
        {
            if (!head.Device.IsBit)
            {
                return false;
            }

            var bits = _bits[head.Device];
            if (head.Number < 0 || (long)head.Number + into.Length > bits.Length)
            {
                return false;
            }

            bits.AsSpan(head.Number, into.Length).CopyTo(into);
            return true;
        }
    }

    private DeviceType RequireWord(DeviceAddress address) =>
        address.Device.IsBit ? throw new ArgumentException($"{address} is a bit device", nameof(address)) : address.Device;
}
