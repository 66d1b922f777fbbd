namespace Gateway.Modbus;

/// <summary>
/// The RTU frame check (Modbus over Serial Line v1.02, 6.2.2): CRC-16 with polynomial 0xA001 (reflected 0x8005),
/// preset 0xFFFF, sent low byte first. Table-driven: one lookup per byte.
/// </summary>
public static class Crc16
{
    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc = (ushort)((crc >> 8) ^ Table[(crc ^ b) & 0xFF]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
