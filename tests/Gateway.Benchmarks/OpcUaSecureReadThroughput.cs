using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.Benchmarks;

/// <summary>
/// Read throughput with SignAndEncrypt (Basic256Sha256 and Aes256_Sha256_RsaPss) as a ratio to None: the same 5,000
/// Double nodes of the node-opcua secure server (tests/servers/opcua-secure), one Read call each, three clients in the
/// same run. The phases alternate (None, Basic256Sha256, Aes256_Sha256_RsaPss, and again) so that a drift of the
/// machine hits them alike. Target: at least 0.6 of None.
/// Run: dotnet run -c Release --project tests/Gateway.Benchmarks -- opcua-secure-read [rounds]
/// </summary>
public static class OpcUaSecureReadThroughput
{
    private const int Count = 5_000;
    private const string ClientUri = "urn:gateway-benchmarks:client";

    public static async Task RunAsync(int rounds)
    {
        await using var server = await NodeOpcUaSecureServer.StartAsync(doubles: Count);
        using var certificate = NodeOpcUaSecureServer.CreateCertificate("CN=Gateway benchmark client", ClientUri);
        var nodes = Enumerable.Range(0, Count).Select(i => new NodeId(server.TestNamespace, $"Double.{i:D5}")).ToList();
        (string Name, SecurityModeChoice Mode, string? Policy)[] setups =
        [
            ("None", SecurityModeChoice.None, null),
            ("Basic256Sha256/SignAndEncrypt", SecurityModeChoice.SignAndEncrypt, "Basic256Sha256"),
            ("Aes256_Sha256_RsaPss/SignAndEncrypt", SecurityModeChoice.SignAndEncrypt, "Aes256_Sha256_RsaPss"),
        ];
        var clients = new List<OpcUaClient>();
        foreach (var setup in setups)
        {
            clients.Add(await OpcUaClient.ConnectAsync(server.EndpointUrl, Options(certificate, server.CertificateThumbprint, setup.Mode, setup.Policy)));
        }

        try
        {
            // Warm-up: tiered compilation done before the clock starts.
            foreach (var client in clients)
            {
                for (var r = 0; r < 5; r++)
                {
                    await client.ReadValuesAsync(nodes);
                }
            }

            var seconds = new double[clients.Count];
            var cpu = new double[clients.Count];
            var process = Process.GetCurrentProcess();
            for (var pass = 0; pass < 2; pass++)
            {
                for (var c = 0; c < clients.Count; c++)
                {
                    process.Refresh();
                    var cpu0 = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (var r = 0; r < rounds / 2; r++)
                    {
                        var values = await clients[c].ReadValuesAsync(nodes);
                        if (values.Length != Count || !values[^1].Value.TryGetDouble(out var last) || last != Count - 1)
                        {
                            throw new InvalidOperationException($"{setups[c].Name}: wrong values read");
                        }
                    }

                    seconds[c] += clock.Elapsed.TotalSeconds;
                    process.Refresh();
                    cpu[c] += (process.TotalProcessorTime - cpu0).TotalSeconds;
                }
            }

            var valuesPerClient = (long)(rounds / 2) * 2 * Count;
            for (var c = 0; c < clients.Count; c++)
            {
                var rate = valuesPerClient / seconds[c];
                Console.WriteLine(FormattableString.Invariant(
                    $"{setups[c].Name,-36} {valuesPerClient,9} values in {seconds[c],6:0.00} s = {rate,10:N0} values/s; client CPU {cpu[c] * 1e6 / valuesPerClient:0.000} us/value; ratio to None {seconds[0] / seconds[c]:0.00}"));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static OpcUaClientOptions Options(X509Certificate2 certificate, string thumbprint, SecurityModeChoice mode, string? policy) => new()
    {
        ApplicationUri = ClientUri,
        ApplicationCertificate = certificate,
        ServerCertificateValidator = new TrustOne(thumbprint),
        SecurityMode = mode,
        SecurityPolicyUri = policy,
        KeepAliveInterval = TimeSpan.Zero,
        Channel = new() { RequestTimeout = TimeSpan.FromSeconds(60) },
    };

    /// <summary>Trusts the benchmark server's certificate only.</summary>
    private sealed class TrustOne(string thumbprint) : IServerCertificateValidator
    {
        public void Validate(X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2> chain, string? expectedApplicationUri, string endpointHost)
        {
            if (!string.Equals(serverCertificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                throw new UaCertificateException(StatusCodes.BadCertificateUntrusted, $"not the benchmark server: {serverCertificate.Thumbprint}");
            }
        }
    }
}
