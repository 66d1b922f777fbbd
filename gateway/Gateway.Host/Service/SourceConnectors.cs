using Gateway.Configuration;
using Gateway.Connectors.OpcUa;
using Gateway.Configuration.Model;
using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>Creates the connector for a source by its `type`.</summary>
public static class SourceConnectors
{
    /// <summary>The factory the service uses: OPC UA sources share one PKI directory and application certificate.</summary>
    public static SourceConnectorFactory For(OpcUaClientSecurity security) =>
        (source, tags, loggerFactory, time) => Create(source, tags, loggerFactory, time, security);

    public static ISourceConnector Create(SourceConfig source, IReadOnlyList<ResolvedTag> tags, ILoggerFactory loggerFactory, TimeProvider time, OpcUaClientSecurity? security) =>
        source.Type.ToLowerInvariant() switch
        {
            "opcua" => new OpcUaSourceConnector(source, tags, loggerFactory.CreateLogger($"Gateway.Sources.{source.Name}"), time, security),
            _ => throw new NotSupportedException($"Source {source.Name}: connector type '{source.Type}' is not available in this build."),
        };
}
