using System.Collections.Concurrent;
using System.Reflection;

using Gateway.Core;

namespace Gateway.Configuration.Binding;

/// <summary>The YAML keys of a model or options class: its public settable properties, in camelCase.</summary>
internal static class KeyNames
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<(string Key, PropertyInfo Property)>> Cache = new();

    public static string CamelCase(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    public static IReadOnlyList<(string Key, PropertyInfo Property)> Of(Type type) => Cache.GetOrAdd(type, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0)
            .Where(p => p.GetCustomAttribute<NotAKeyAttribute>() is null)
            .OrderBy(DeclarationOrder)
            .Select(p => (CamelCase(p.Name), p))
            .ToList());

    // Declaration order; keys a base class declares (the broker keys of the MQTT sinks) come first, in the base's order,
    // also where a subclass overrides one (metadata tokens of two classes in two assemblies do not compare).
    private static (int Depth, int Token) DeclarationOrder(PropertyInfo property)
    {
        var declaration = property.GetMethod?.GetBaseDefinition().DeclaringType is { } root && root != property.DeclaringType
            ? root.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly) ?? property
            : property;
        var depth = 0;
        for (var type = declaration.DeclaringType?.BaseType; type is not null; type = type.BaseType)
        {
            depth++;
        }

        return (depth, declaration.MetadataToken);
    }

    public static PropertyInfo? Find(Type type, string key) =>
        Of(type).FirstOrDefault(k => string.Equals(k.Key, key, StringComparison.Ordinal)).Property;

    /// <summary>The element type when <paramref name="type"/> is List&lt;T&gt;.</summary>
    public static Type? ListElement(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    /// <summary>The value type when <paramref name="type"/> is Dictionary&lt;string, T&gt;.</summary>
    public static Type? DictionaryValue(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string)
            ? type.GetGenericArguments()[1]
            : null;

    public static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(string) || t.IsPrimitive || t.IsEnum || t == typeof(decimal);
    }

    /// <summary>Enum member names as written in YAML (camelCase).</summary>
    public static IReadOnlyList<string> EnumNames(Type enumType) => Enum.GetNames(enumType).Select(CamelCase).ToList();
}
