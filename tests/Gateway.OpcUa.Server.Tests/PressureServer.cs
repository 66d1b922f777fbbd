using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>A real <see cref="UaServer"/> on a free loopback port serving one Double, <see cref="Pressure"/> (4.2).</summary>
internal static class PressureServer
{
    public static readonly NodeId Pressure = new(2, "line/pressure");

    public static async Task<UaServer> StartAsync()
    {
        var options = new UaServerOptions { Port = 0, BindAddress = "127.0.0.1" };
        var space = new UaAddressSpace(options.ApplicationUri, options.Limits);
        var ns = space.RegisterNamespace("urn:test");
        space.AddFolder(StandardIds.ObjectsFolder, new NodeId(ns, "line"), new QualifiedName(ns, "line"));
        space.AddVariable(new NodeId(ns, "line"), new VariableNode(Pressure, new QualifiedName(ns, "pressure"), new LocalizedText("pressure"), StandardIds.Double))
            .SetValue(Variant.From(4.2), DateTime.UtcNow);
        var server = new UaServer(space, options);
        await server.StartAsync();
        return server;
    }
}
