using System.Globalization;
using System.Numerics;
using System.Text;
using Gateway.OpcUa.Encoding;

namespace Gateway.OpcUa.Types;

/// <summary>
/// The OPC UA Decimal (Part 6, 5.1.10; 5.1.8 in 1.04): an arbitrary precision integer and a scale, the number being
/// <c>Unscaled * 10^-Scale</c>. On the wire it is an ExtensionObject whose TypeId is the Decimal DataType (i=50) and
/// whose body is Scale (Int16) followed by the unscaled value as a little-endian two's complement integer that fills
/// the rest of the body: its byte count is the body length minus 2, with no length prefix of its own.
/// </summary>
public sealed class DecimalValue : IEncodeable
{
    /// <summary>The Decimal DataType's NodeId, used as the ExtensionObject's TypeId (Part 6, 5.1.10).</summary>
    public const uint DataTypeId = 50;

    /// <summary>
    /// Bodies longer than this stay an opaque structure: the spec sets no limit, but turning megabytes of digits into
    /// text is quadratic and no device sends more than a few dozen bytes.
    /// </summary>
    public const int MaximumValueBytes = 1024;

    public DecimalValue()
    {
    }

    public DecimalValue(short scale, BigInteger unscaled)
    {
        Scale = scale;
        Unscaled = unscaled;
    }

    /// <summary>The power of ten the unscaled value is divided by (negative: multiplied by).</summary>
    public short Scale { get; private set; }

    public BigInteger Unscaled { get; private set; }

    /// <summary>
    /// Reads a Decimal body, or returns false when the body is not a usable Decimal: shorter than 3 bytes (Part 6,
    /// 5.1.10 in 1.05: a length of 2 or less "is an invalid value that cannot be used") or longer than
    /// <see cref="MaximumValueBytes"/> + 2. The caller then keeps it as an unknown structure.
    /// </summary>
    public static bool TryDecodeBody(ReadOnlySpan<byte> body, out DecimalValue value)
    {
        value = new DecimalValue();
        if (body.Length <= 2 || body.Length - 2 > MaximumValueBytes)
        {
            return false;
        }

        var reader = new UaBinaryReader(body);
        value.Decode(ref reader);
        return true;
    }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteInt16(Scale);
        writer.WriteBytes(Unscaled.ToByteArray(isUnsigned: false, isBigEndian: false));
    }

    /// <summary>Reads the scale and then every byte left as the value: the reader must hold exactly one body.</summary>
    public void Decode(ref UaBinaryReader reader)
    {
        Scale = reader.ReadInt16();
        Unscaled = new BigInteger(reader.ReadBytes(reader.Remaining), isUnsigned: false, isBigEndian: false);
    }

    /// <summary>The value as a System.Decimal when it is exactly representable (96-bit mantissa, scale 0 to 28).</summary>
    public bool TryGetDecimal(out decimal value)
    {
        value = 0m;
        var unscaled = Unscaled;
        int scale = Scale;
        if (scale < 0)
        {
            unscaled *= BigInteger.Pow(10, -scale);
            scale = 0;
        }

        // Trailing zeros beyond decimal's 28 places carry no value: drop them rather than refuse.
        while (scale > 28 && !unscaled.IsZero && unscaled % 10 == 0)
        {
            unscaled /= 10;
            scale--;
        }

        if (unscaled.IsZero)
        {
            scale = Math.Min(scale, 28);
        }

        var magnitude = BigInteger.Abs(unscaled);
        if (scale > 28 || magnitude.GetBitLength() > 96)
        {
            return false;
        }

        var low = (int)(uint)(magnitude & uint.MaxValue);
        var middle = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var high = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        value = new decimal(low, middle, high, unscaled.Sign < 0, (byte)scale);
        return true;
    }

    /// <summary>The exact value in plain decimal notation, invariant culture: "12345.678", "-0.015", "700".</summary>
    public override string ToString()
    {
        var digits = BigInteger.Abs(Unscaled).ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        if (Unscaled.Sign < 0)
        {
            text.Append('-');
        }

        if (Scale <= 0)
        {
            text.Append(digits);
            if (!Unscaled.IsZero)
            {
                text.Append('0', -Scale);
            }
        }
        else if (digits.Length > Scale)
        {
            text.Append(digits, 0, digits.Length - Scale).Append('.').Append(digits, digits.Length - Scale, Scale);
        }
        else
        {
            text.Append("0.").Append('0', Scale - digits.Length).Append(digits);
        }

        return text.ToString();
    }
}
