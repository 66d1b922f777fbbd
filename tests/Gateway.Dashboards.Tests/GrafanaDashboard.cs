using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Dashboards.Tests;

/// <summary>
/// A Grafana dashboard JSON file as the tests see it: its panels (rows flattened), their queries, the template
/// variables, and every data source reference anywhere in the file.
/// </summary>
public sealed class GrafanaDashboard
{
    private GrafanaDashboard(string path, JsonObject root)
    {
        Path = path;
        Root = root;
        Title = (string?)root["title"] ?? throw Problem("has no \"title\"");
        Uid = (string?)root["uid"] ?? throw Problem("has no \"uid\" (provisioned dashboards need a stable uid for links)");
        SchemaVersion = (int?)root["schemaVersion"] ?? throw Problem("has no \"schemaVersion\"");
        Panels = FlattenPanels(root["panels"] as JsonArray ?? throw Problem("has no \"panels\" array")).ToList();
        Variables = ((root["templating"] as JsonObject)?["list"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(ReadVariable)
            .ToList();
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public JsonObject Root { get; }

    public string Title { get; }

    public string Uid { get; }

    public int SchemaVersion { get; }

    public IReadOnlyList<GrafanaPanel> Panels { get; }

    public IReadOnlyList<GrafanaVariable> Variables { get; }

    public static GrafanaDashboard Load(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); Grafana would refuse to load it.", e);
        }

        return new GrafanaDashboard(path, node as JsonObject ?? throw new InvalidDataException($"{path}: the top level must be a JSON object."));
    }

    /// <summary>Every <c>"datasource"</c> object in the file with its JSON path: panels, targets, variables, annotations.</summary>
    public IEnumerable<(string Where, string? Uid, string? Type)> DatasourceReferences() => FindDatasources(Root, "$");

    /// <summary>
    /// The uid of an InfluxDB or Prometheus reference (<c>{"type": ..., "uid": ...}</c>); a plain string is the
    /// pre-8.3 form (a data source name) and is returned as is, so a check against provisioned uids fails on it.
    /// </summary>
    private static (string? Uid, string? Type) ReadDatasource(JsonNode? node) => node switch
    {
        JsonObject o => ((string?)o["uid"], (string?)o["type"]),
        JsonValue v when v.TryGetValue<string>(out var s) => (s, null),
        _ => (null, null),
    };

    private static IEnumerable<(string, string?, string?)> FindDatasources(JsonNode? node, string where)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key == "datasource" && child is not null)
                    {
                        var (uid, type) = ReadDatasource(child);
                        yield return (where + ".datasource", uid, type);
                    }
                    else
                    {
                        foreach (var found in FindDatasources(child, where + "." + key))
                        {
                            yield return found;
                        }
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var found in FindDatasources(a[i], $"{where}[{i}]"))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }

    private IEnumerable<GrafanaPanel> FlattenPanels(JsonArray panels)
    {
        foreach (var panel in panels.OfType<JsonObject>())
        {
            var type = (string?)panel["type"] ?? throw Problem($"a panel has no \"type\": {panel.ToJsonString()[..Math.Min(80, panel.ToJsonString().Length)]}");
            var title = (string?)panel["title"] ?? "";
            if (type == "row")
            {
                // A collapsed row keeps its panels inside it.
                foreach (var inner in FlattenPanels(panel["panels"] as JsonArray ?? []))
                {
                    yield return inner;
                }

                continue;
            }

            var (panelUid, panelType) = ReadDatasource(panel["datasource"]);
            var targets = (panel["targets"] as JsonArray ?? []).OfType<JsonObject>().Select(t =>
            {
                var (uid, dsType) = ReadDatasource(t["datasource"]);
                return new GrafanaTarget(
                    (string?)t["refId"] ?? throw Problem($"panel \"{title}\": a target has no refId"),
                    uid ?? panelUid,
                    dsType ?? panelType,
                    (string?)t["query"] ?? (string?)t["expr"] ?? throw Problem($"panel \"{title}\": target {(string?)t["refId"]} has no query/expr"),
                    (string?)t["resultFormat"] ?? (string?)t["format"] ?? "time_series",
                    (bool?)t["rawQuery"] ?? false);
            }).ToList();
            yield return new GrafanaPanel((int?)panel["id"] ?? 0, type, title, panelUid, targets);
        }
    }

    private GrafanaVariable ReadVariable(JsonObject v)
    {
        var name = (string?)v["name"] ?? throw Problem("a template variable has no name");
        var query = v["query"] switch
        {
            JsonValue s when s.TryGetValue<string>(out var text) => text,
            JsonObject o => (string?)o["query"] ?? "",
            _ => "",
        };
        var (uid, type) = ReadDatasource(v["datasource"]);
        return new GrafanaVariable(
            name,
            (string?)v["type"] ?? "query",
            uid,
            type,
            query,
            (string?)v["regex"] ?? "",
            (bool?)v["multi"] ?? false,
            (bool?)v["includeAll"] ?? false,
            (string?)v["allValue"]);
    }

    private InvalidDataException Problem(string what) => new($"{Path}: {what}");
}

public sealed record GrafanaPanel(int Id, string Type, string Title, string? DatasourceUid, IReadOnlyList<GrafanaTarget> Targets);

/// <param name="Query">The raw InfluxQL (<c>query</c>) or PromQL (<c>expr</c>) text, macros not expanded.</param>
public sealed record GrafanaTarget(string RefId, string? DatasourceUid, string? DatasourceType, string Query, string ResultFormat, bool RawQuery);

public sealed record GrafanaVariable(
    string Name, string Type, string? DatasourceUid, string? DatasourceType, string Query, string Regex, bool Multi, bool IncludeAll, string? AllValue);
