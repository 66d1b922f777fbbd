using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Configuration.Loading;

/// <summary>Looks at a YAML text that failed to load, to say which of two common mistakes it is and where.</summary>
internal static class YamlTextChecks
{
    /// <summary>
    /// The first tab in a line's leading whitespace, 1-based line and column. YAML 1.2, 6.1: tabs are never allowed in
    /// indentation; the parser trips over one somewhere around it (often at the end of the line before), so when a
    /// file fails to parse and has one, that tab is the place to show.
    /// </summary>
    public static (int Line, int Column)? FirstIndentationTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            for (var c = 0; c < line.Length && line[c] is ' ' or '\t'; c++)
            {
                if (line[c] == '\t')
                {
                    return (i + 1, c + 1);
                }
            }
        }

        return null;
    }

    /// <summary>The first plain key that appears twice in one mapping, with both places; null when there is none.</summary>
    public static (string Key, Mark First, Mark Again)? FirstDuplicateKey(string text)
    {
        var frames = new Stack<Frame>();
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case Scalar scalar when frames.TryPeek(out var top) && top.Keys is not null && top.ExpectKey:
                        top.ExpectKey = false;
                        if (!top.Keys.TryAdd(scalar.Value, scalar.Start))
                        {
                            return (scalar.Value, top.Keys[scalar.Value], scalar.Start);
                        }

                        break;
                    case Scalar or AnchorAlias:
                        NodeStarts(frames);
                        break;
                    case MappingStart:
                        NodeStarts(frames);
                        frames.Push(new Frame(new Dictionary<string, Mark>(StringComparer.Ordinal)));
                        break;
                    case SequenceStart:
                        NodeStarts(frames);
                        frames.Push(new Frame(null));
                        break;
                    case MappingEnd or SequenceEnd:
                        frames.Pop();
                        break;
                }
            }
        }
        catch (YamlException)
        {
            // Another syntax error before any duplicate: the caller reports the parser's message.
        }

        return null;
    }

    /// <summary>A node that is not a scalar key: in a mapping it is a (complex) key or the value that completes an entry.</summary>
    private static void NodeStarts(Stack<Frame> frames)
    {
        if (frames.TryPeek(out var top) && top.Keys is not null)
        {
            top.ExpectKey = !top.ExpectKey;
        }
    }

    private sealed class Frame(Dictionary<string, Mark>? keys)
    {
        /// <summary>The keys seen so far when this is a mapping; null for a sequence.</summary>
        public Dictionary<string, Mark>? Keys { get; } = keys;

        public bool ExpectKey { get; set; } = true;
    }
}
