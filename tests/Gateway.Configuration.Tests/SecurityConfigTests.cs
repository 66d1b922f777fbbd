using Gateway.Connectors.OpcUa;

namespace Gateway.Configuration.Tests;

/// <summary>The `pki:` section and the rules that tie a source's security and identity keys together.</summary>
public sealed class SecurityConfigTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigurationResult Load(string top, string source)
    {
        var indented = string.Join("\n", source.Split('\n').Select(l => "    " + l));
        _dir.Write("gateway.yaml", $"""
            gateway:
              name: gw
              dataDirectory: var/data
            {top}
            sources:
              - name: plc
                endpoint: opc.tcp://10.0.0.5:4840
            {indented}
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=2258
            sinks:
              - type: mqtt
                name: broker
            """);
        return _dir.Load();
    }

    private static string OneError(ConfigurationResult result)
    {
        Assert.Null(result.Config);
        return Assert.Single(result.Errors).ToString();
    }

    [Fact]
    public void The_pki_directory_defaults_to_the_data_directory_and_relative_paths_follow_the_file()
    {
        var defaults = Load("", "security: {mode: best}");
        Assert.Equal(Path.Combine(_dir.Root, "var", "data", "pki"), defaults.Config!.Pki.Directory);
        Assert.Null(defaults.Config.Pki.ApplicationUri);

        var named = Load("pki: {directory: certs, applicationUri: 'urn:edge-01:gw', hostNames: [edge-01, 10.0.0.2]}", "security: {mode: best}");
        Assert.Equal(Path.Combine(_dir.Root, "certs"), named.Config!.Pki.Directory);
        Assert.Equal("urn:edge-01:gw", named.Config.Pki.ApplicationUri);
        Assert.Equal(["edge-01", "10.0.0.2"], named.Config.Pki.HostNames);
    }

    [Fact]
    public void An_ApplicationUri_that_is_not_a_URI_is_refused()
    {
        var error = OneError(Load("pki: {applicationUri: 'edge 01'}", "security: {mode: best}"));
        Assert.Contains("pki.applicationUri: 'edge 01' is not an absolute URI", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_under_type_anonymous_is_refused_with_the_fix()
    {
        var error = OneError(Load("", "identity: {password: secret}"));
        Assert.Contains("sources[0] (plc).identity: 'password' belongs to type username, but type is anonymous (set type: username, or remove 'password')", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_under_type_username_is_refused()
    {
        var error = OneError(Load("", "identity: {type: username, username: op, password: pw, certificate: user.der}"));
        Assert.Contains("'certificate' belongs to type certificate, but type is username", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_certificate_with_its_files_loads_and_the_paths_are_absolute()
    {
        _dir.Write("user.der", "certificate");
        _dir.Write("user.pem", "key");
        var result = Load("", "identity: {type: certificate, certificate: user.der, privateKey: user.pem}");
        Assert.Empty(result.Errors);
        Assert.Equal(Path.Combine(_dir.Root, "user.pem"), ((OpcUaSourceOptions)result.Config!.Sources[0].Options!).Identity.PrivateKey);
    }

    [Fact]
    public void Type_certificate_with_a_missing_file_is_refused_at_the_key()
    {
        _dir.Write("user.der", "certificate");
        var error = OneError(Load("", "identity: {type: certificate, certificate: user.der, privateKey: user.pem}"));
        Assert.Contains($"sources[0] (plc).identity.privateKey: file '{Path.Combine(_dir.Root, "user.pem")}' not found", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("security: {policy: Basic128Rsa15}", "unknown policy 'Basic128Rsa15'")]
    [InlineData("security: {mode: none, policy: Basic256Sha256}", "mode none sends everything unsigned")]
    [InlineData("security: {mode: sign, policy: None}", "mode sign needs a policy other than None")]
    public void A_policy_that_does_not_fit_is_refused(string security, string expected)
    {
        Assert.Contains(expected, OneError(Load("", security)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_policy_with_its_mode_loads()
    {
        var result = Load("", "security: {mode: signAndEncrypt, policy: Aes256_Sha256_RsaPss, autoAcceptServerCertificate: true, checkHostName: false}");
        Assert.Empty(result.Errors);
        Assert.True(((OpcUaSourceOptions)result.Config!.Sources[0].Options!).Security.AutoAcceptServerCertificate);
    }
}
