using System.Reflection;

using Gateway.Configuration.Model;

namespace Gateway.Configuration;

/// <summary>
/// Compares merged normalization rules by value: every property of <see cref="NormalizeConfig"/>, the <c>enum</c>
/// map by its entries, so a rule added later is never overlooked. The loader uses it to keep one instance per
/// distinct set of rules (most tags of a group have the same), and a reload to tell which tags' rules changed.
/// </summary>
public sealed class NormalizeConfigComparer : IEqualityComparer<NormalizeConfig>
{
    private static readonly PropertyInfo[] RuleProperties = typeof(NormalizeConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    private NormalizeConfigComparer()
    {
    }

    public static NormalizeConfigComparer Instance { get; } = new();

    public bool Equals(NormalizeConfig? x, NormalizeConfig? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        foreach (var property in RuleProperties)
        {
            var a = property.GetValue(x);
            var b = property.GetValue(y);
            if (a is IReadOnlyDictionary<string, string> mapA && b is IReadOnlyDictionary<string, string> mapB)
            {
                if (mapA.Count != mapB.Count
                    || mapA.Any(pair => !mapB.TryGetValue(pair.Key, out var other) || !string.Equals(pair.Value, other, StringComparison.Ordinal)))
                {
                    return false;
                }
            }
            else if (!Equals(a, b))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(NormalizeConfig obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        foreach (var property in RuleProperties)
        {
            // A map hashes by its size only: equal maps may list their entries in another order.
            hash.Add(property.GetValue(obj) switch
            {
                null => 0,
                IReadOnlyDictionary<string, string> map => map.Count,
                var value => value.GetHashCode(),
            });
        }

        return hash.ToHashCode();
    }
}
