using System.Globalization;
using Gateway.Core;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>Turns an OPC UA value into the gateway's reading value: numbers stay numbers, arrays stay arrays.</summary>
public static class DataValueConversion
{
    public static ReadingValue ToReadingValue(Variant value)
    {
        if (value.IsNull)
        {
            return ReadingValue.Null;
        }

        if (!value.IsArray)
        {
            switch (value.Type)
            {
                case BuiltInType.Boolean:
                    value.TryGetInt64(out var flag);
                    return ReadingValue.FromBoolean(flag != 0);
                case BuiltInType.Float or BuiltInType.Double:
                    value.TryGetDouble(out var number);
                    return ReadingValue.FromDouble(number);
                case BuiltInType.UInt64:
                    return value.TryGetInt64(out var big) ? ReadingValue.FromInt64(big) : ReadingValue.FromDouble((ulong)value.Value!);
                case >= BuiltInType.SByte and <= BuiltInType.Int64:
                    value.TryGetInt64(out var integer);
                    return ReadingValue.FromInt64(integer);
                case BuiltInType.String:
                    return ReadingValue.FromString((string?)value.Value ?? "");
                case BuiltInType.LocalizedText:
                    return ReadingValue.FromString(((LocalizedText)value.Value!).Text ?? "");
                case BuiltInType.DateTime:
                    return ReadingValue.FromString(((DateTime)value.Value!).ToString("O", CultureInfo.InvariantCulture));
                case BuiltInType.StatusCode:
                    return ReadingValue.FromInt64(((StatusCode)value.Value!).Code);
                case BuiltInType.ByteString:
                    return ReadingValue.FromString(Convert.ToBase64String((byte[]?)value.Value ?? []));
                default:
                    return ReadingValue.FromString(value.ToString());
            }
        }

        return value.Value switch
        {
            double[] a => ReadingValue.FromArray(a),
            float[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (double)v)),
            bool[] a => ReadingValue.FromArray(a),
            sbyte[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            byte[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            short[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            ushort[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            int[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            uint[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            long[] a => ReadingValue.FromArray(a),
            ulong[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (double)v)),
            string?[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => v ?? "")),
            LocalizedText[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => v.Text ?? "")),
            Array a => ReadingValue.FromArray(a.Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray()),
            _ => ReadingValue.Null,
        };
    }
}
