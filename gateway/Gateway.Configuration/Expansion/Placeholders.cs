using System.Text;

namespace Gateway.Configuration.Expansion;

/// <summary>Replaces <c>{machine}</c> and <c>{variable}</c> in a template's nodeId or path. <c>{{</c> and <c>}}</c> are literal braces.</summary>
internal static class Placeholders
{
    public static string Substitute(string text, Func<string, string?> lookup, out List<string> unknown)
    {
        unknown = [];
        if (!text.Contains('{', StringComparison.Ordinal) && !text.Contains('}', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if ((c == '{' || c == '}') && i + 1 < text.Length && text[i + 1] == c)
            {
                result.Append(c);
                i++;
                continue;
            }

            var close = c == '{' ? text.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                result.Append(c);
                continue;
            }

            var name = text[(i + 1)..close];
            var value = lookup(name);
            if (value is null)
            {
                unknown.Add(name);
                result.Append(text, i, close - i + 1);
            }
            else
            {
                result.Append(value);
            }

            i = close;
        }

        return result.ToString();
    }
}
