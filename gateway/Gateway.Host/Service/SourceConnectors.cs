using Gateway.Configuration;
using Gateway.Connectors.OpcUa;
using Gateway.Configuration.Model;
using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>Creates the connector for a source by its `type`.</summary>
public static class SourceConnectors
{
    public static ISourceConnector Create(SourceConfig source, IReadOnlyList<ResolvedTag> tags, ILoggerFactory loggerFactory, TimeProvider time) =>
        source.Type.ToLowerInvariant() switch
        {
            "opcua" => new OpcUaSourceConnector(source, tags, loggerFactory.CreateLogger($"Gateway.Sources.{source.Name}"), time),
            _ => throw new NotSupportedException($"Source {source.Name}: connector type '{source.Type}' is not available in this build."),
        };
}
