using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Pki;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Pki;

/// <summary>A PKI directory in a temporary folder, removed after the test.</summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Root = Path.Combine(Path.GetTempPath(), "gateway-pki-" + Guid.NewGuid().ToString("N"));
        Directory = new PkiDirectory(Root).EnsureCreated();
    }

    public string Root { get; }

    public PkiDirectory Directory { get; }

    public const string ServerUri = TestCertificates.ServerUri;

    public void Put(string folder, X509Certificate2 certificate) =>
        File.WriteAllBytes(Path.Combine(folder, PkiDirectory.FileNameOf(certificate)), certificate.RawData);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

/// <summary>A clock stopped at a chosen instant.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
