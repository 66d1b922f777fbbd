using System.Text;

namespace Gateway.OpcUa.Services;

/// <summary>
/// The engineering unit of an AnalogItem (Part 8, 5.6.3: the EngineeringUnits property; the DataType EUInformation,
/// Opc.Ua.Types.bsd: NamespaceUri, UnitId (-1 when the server has no id for the unit), DisplayName, Description; generated
/// in Structures.Generated.cs).
/// </summary>
public sealed partial class EUInformation
{
    /// <summary>Part 8, 5.6.3.3: units of UN/CEFACT Recommendation 20 carry this namespace.</summary>
    public const string UneceNamespaceUri = "http://www.opcfoundation.org/UA/units/un/cefact";

    /// <summary>
    /// The unit as a reading carries it: the server's display name; where that is empty, the display name that the UNECE
    /// table gives for the unit id; null when neither says anything.
    /// </summary>
    public string? UnitText()
    {
        if (!string.IsNullOrWhiteSpace(DisplayName.Text))
        {
            return DisplayName.Text.Trim();
        }

        var uneceNamespace = string.IsNullOrEmpty(NamespaceUri) || string.Equals(NamespaceUri, UneceNamespaceUri, StringComparison.Ordinal);
        return uneceNamespace ? UneceUnits.DisplayName(UnitId) : null;
    }
}

/// <summary>
/// UNECE Recommendation 20 units by their OPC UA unit id (Part 8, 5.6.3.3). The table is the specification's own file
/// (UNECE_to_OPCUA.csv, embedded unchanged; a test holds it equal to the copy in the schema folder).
/// </summary>
public static class UneceUnits
{
    private static readonly Lazy<Dictionary<int, string>> Table = new(Load);

    /// <summary>How many units the table knows.</summary>
    public static int Count => Table.Value.Count;

    /// <summary>The display name for a unit id ("°C" for 4408652), or null for an id the table does not have.</summary>
    public static string? DisplayName(int unitId) => Table.Value.TryGetValue(unitId, out var name) ? name : null;

    private static Dictionary<int, string> Load()
    {
        using var stream = typeof(UneceUnits).Assembly.GetManifestResourceStream("Gateway.OpcUa.Services.UNECE_to_OPCUA.csv")
            ?? throw new InvalidOperationException("the UNECE unit table is not embedded in Gateway.OpcUa");
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var table = new Dictionary<int, string>();
        reader.ReadLine(); // UNECECode,UnitId,DisplayName,Description
        while (reader.ReadLine() is { } line)
        {
            var fields = SplitCsv(line);
            if (fields.Count >= 3 && int.TryParse(fields[1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                table[id] = fields[2];
            }
        }

        return table;
    }

    // RFC 4180 fields: quoted ones may hold commas, and a doubled quote stands for one ("""" is the unit of a second of arc).
    internal static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
