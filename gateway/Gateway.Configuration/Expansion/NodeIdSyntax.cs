using System.Globalization;

namespace Gateway.Configuration.Expansion;

/// <summary>
/// Checks the text form of a NodeId (Part 6, 5.1.12; Part 6 v1.04, 5.3.1.10 Table 20):
/// <c>[ns=&lt;UInt16&gt;;|nsu=&lt;uri&gt;;]&lt;i|s|g|b&gt;=&lt;value&gt;</c>. Only the syntax: whether the node exists
/// is the server's business.
/// </summary>
public static class NodeIdSyntax
{
    /// <summary>Null when <paramref name="text"/> is a well-formed NodeId, else what is wrong with it.</summary>
    public static string? Check(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "it is empty";
        }

        var rest = text;
        if (rest.StartsWith("ns=", StringComparison.Ordinal))
        {
            var end = rest.IndexOf(';', StringComparison.Ordinal);
            if (end < 0)
            {
                return "'ns=' must be followed by ';' and the identifier, e.g. ns=2;s=Spindle.Speed";
            }

            var index = rest[3..end];
            if (!ushort.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return $"the namespace index '{index}' is not a number from 0 to 65535";
            }

            rest = rest[(end + 1)..];
        }
        else if (rest.StartsWith("nsu=", StringComparison.Ordinal))
        {
            // Part 6, 5.1.12: reserved characters in the URI (';' among them) are %-escaped, so the first ';' ends it.
            var end = rest.IndexOf(';', StringComparison.Ordinal);
            if (end < 0)
            {
                return "'nsu=' must be followed by ';' and the identifier, e.g. nsu=urn:vendor:cnc;s=Spindle.Speed";
            }

            if (end == 4)
            {
                return "the namespace URI after 'nsu=' is empty";
            }

            rest = rest[(end + 1)..];
        }

        if (rest.Length < 2 || rest[1] != '=')
        {
            return "expected an identifier i=, s=, g= or b= (optionally after ns=N; or nsu=URI;)";
        }

        var value = rest[2..];
        switch (rest[0])
        {
            case 'i':
                return uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                    ? null
                    : $"the numeric identifier '{value}' is not a number from 0 to 4294967295";
            case 's':
                return value.Length > 0 ? null : "the string identifier after 's=' is empty";
            case 'g':
                return Guid.TryParseExact(value, "D", out _)
                    ? null
                    : $"'{value}' is not a GUID like 09087e75-8e5e-499b-954f-f2a9603db28a";
            case 'b':
                return value.Length > 0 && Convert.TryFromBase64String(value, new byte[value.Length], out _)
                    ? null
                    : $"'{value}' is not base64 (the opaque identifier after 'b=')";
            default:
                return $"unknown identifier type '{rest[0]}='; use i= (numeric), s= (string), g= (GUID) or b= (opaque)";
        }
    }
}
