using System.Reflection;

using Gateway.Core;

namespace Gateway.Configuration.Tests;

/// <summary>
/// What a loaded configuration keeps for the gateway's life. The gateway holds its <see cref="ConfigurationResult"/>
/// as long as it runs, so whatever the result reaches is paid for per tag: the load's map of where each key was
/// written cost about 1 KB per tag entry written in the file (about 96 MB for 100,000 tags listed one by one).
/// </summary>
public sealed class RetentionTests : IDisposable
{
    private static readonly Type LocationMapType =
        typeof(ConfigurationResult).Assembly.GetType("Gateway.Configuration.Binding.LocationMap", throwOnError: true)!;

    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_loaded_configuration_keeps_its_tags_but_not_the_map_of_where_each_key_was_written()
    {
        var tags = string.Concat(Enumerable.Range(1, 50).Select(i => $"              - {{ name: t{i:D3}, nodeId: \"ns=2;s=M.T{i:D3}\" }}\n"));
        _dir.Write("gateway.yaml", $"""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
            {tags}
            """ + ConfigDirectory.OneSink);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(50, result.Tags.Count);
        var reached = ObjectGraph.Types(result);
        // The walk does reach the model and the tags, and the location each tag keeps for its own messages...
        Assert.Contains(typeof(ResolvedTag), reached);
        Assert.Contains(typeof(SourceLocation), reached);
        // ...but not the load's map of every key.
        Assert.DoesNotContain(LocationMapType, reached);
    }

    [Fact]
    public void The_walk_finds_a_location_map_wherever_one_is_held()
    {
        var map = Activator.CreateInstance(LocationMapType, nonPublic: true)!;
        var holder = new List<object> { new Dictionary<string, object> { ["deep"] = new object[] { "x", map } } };

        Assert.Contains(LocationMapType, ObjectGraph.Types(holder));
    }

    /// <summary>Every type of object reachable from a root through instance fields and array elements.</summary>
    private static class ObjectGraph
    {
        public static HashSet<Type> Types(object root)
        {
            var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
            var types = new HashSet<Type>();
            var pending = new Stack<object>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                var current = pending.Pop();
                if (!seen.Add(current))
                {
                    continue;
                }

                var type = current.GetType();
                types.Add(type);
                // Runtime metadata (a type, a method of a delegate) leads into the runtime's own tables, not the data.
                if (current is string || current is MemberInfo || current is Pointer || type.IsPrimitive)
                {
                    continue;
                }

                if (current is Array array)
                {
                    if (!type.GetElementType()!.IsPrimitive)
                    {
                        foreach (var element in array)
                        {
                            if (element is not null)
                            {
                                pending.Push(element);
                            }
                        }
                    }

                    continue;
                }

                for (var t = type; t is not null; t = t.BaseType)
                {
                    foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    {
                        if (!field.FieldType.IsPointer && !field.FieldType.IsByRefLike && field.GetValue(current) is { } value)
                        {
                            pending.Push(value);
                        }
                    }
                }
            }

            return types;
        }
    }
}
