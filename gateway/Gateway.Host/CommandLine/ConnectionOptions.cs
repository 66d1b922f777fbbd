using System.CommandLine;
using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using System.CommandLine.Parsing;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Security;

namespace Gateway.Host.CommandLine;

/// <summary>
/// The connection settings `read` and `browse` share with a source in the YAML: security mode and policy, user
/// identity, PKI directory, auto-accept. They are parsed into the OPC UA source's own <see cref="OpcUaSecurityOptions"/> and
/// <see cref="OpcUaIdentityOptions"/>, so the command line and the service reach the OPC UA client through one mapping
/// (Gateway.Connectors.OpcUa.OpcUaClientSecurity).
/// </summary>
public sealed class ConnectionOptions
{
    private readonly Option<string> _mode = new("--security-mode")
    {
        Description = "best (default: the most secure endpoint the server offers), none, sign or signAndEncrypt (any case: SignAndEncrypt as the spec spells it).",
        DefaultValueFactory = _ => "best",
        HelpName = "MODE",
    };

    private readonly Option<string?> _policy = new("--security-policy")
    {
        Description = "None, Basic256Sha256, Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss, in any case, or the full policy URI (default: the best offered for the mode).",
        HelpName = "POLICY",
    };

    private readonly Option<string?> _user = new("--user") { Description = "User name for a username identity.", HelpName = "NAME" };

    private readonly Option<string?> _password = new("--password") { Description = "Password (visible in the process list: prefer --password-file).", HelpName = "TEXT" };

    private readonly Option<string?> _passwordFile = new("--password-file") { Description = "File whose first line is the password.", HelpName = "PATH" };

    private readonly Option<string?> _userCertificate = new("--user-cert") { Description = "User certificate (DER or PEM) for an X.509 identity.", HelpName = "FILE" };

    private readonly Option<string?> _userKey = new("--user-key") { Description = "Private key (PEM) of --user-cert (default: the same file, if it holds the key).", HelpName = "FILE" };

    private readonly Option<bool> _allowPlainText = new("--allow-plain-text-password") { Description = "Send the password unencrypted if the server's token policy asks for none." };

    private readonly Option<bool> _autoAccept = new("--auto-accept") { Description = "Accept a server certificate that is not trusted (with a warning). For a first test only." };

    private readonly Option<bool> _noHostNameCheck = new("--no-host-name-check") { Description = "Do not require the server certificate to name the endpoint's host." };

    public ConnectionOptions()
    {
        // The spec's spelling (SignAndEncrypt, MessageSecurityMode in Part 4, 7.20) and ours (signAndEncrypt) alike:
        // any case is accepted and turned into the spelling the configuration uses.
        _mode.CustomParser = result => Canonical(result, "--security-mode", ["best", "none", "sign", "signAndEncrypt"], value => value) ?? "best";
        _mode.CompletionSources.Add("best", "none", "sign", "signAndEncrypt");
        var policies = SecurityPolicyUris.Supported.Select(SecurityPolicyUris.NameOf).ToArray();
        _policy.CustomParser = result => Canonical(result, "--security-policy", policies, PolicyName);
        _policy.CompletionSources.Add(policies);
    }

    /// <summary>A policy URI (`http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256`) as its short name.</summary>
    private static string PolicyName(string value) =>
        value.StartsWith("http://opcfoundation.org/UA/SecurityPolicy#", StringComparison.OrdinalIgnoreCase) ? value[(value.IndexOf('#', StringComparison.Ordinal) + 1)..] : value;

    /// <summary>The allowed spelling that <paramref name="shorten"/>(the token) matches ignoring case; else an error listing them.</summary>
    private static string? Canonical(ArgumentResult result, string option, string[] allowed, Func<string, string> shorten)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var token = result.Tokens[^1].Value;
        var match = allowed.FirstOrDefault(a => string.Equals(a, shorten(token.Trim()), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            result.AddError($"'{token}' is not a valid {option}: use {string.Join(", ", allowed)} (any case)");
        }

        return match;
    }

    public Option<string?> Pki { get; } = PkiLocation.Option();

    public Option<string?> Config { get; } = GatewayCommandLine.ConfigOption();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _mode, _policy, _user, _password, _passwordFile, _userCertificate, _userKey, _allowPlainText, _autoAccept, _noHostNameCheck, Pki, Config })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The client options for these settings, through the same mapping as the service; null after printing why not.
    /// The PKI directory is `--pki`, else the configuration's, else `./pki`; its certificate is used whatever its
    /// ApplicationUri, and made there only when there is none.
    /// </summary>
    public OpcUaClientOptions? ClientOptions(ParseResult parse, OpcUaClientOptions baseOptions)
    {
        var error = parse.InvocationConfiguration.Error;
        var verb = parse.CommandResult.Command.Name;
        if (Identity(parse, error) is not { } identity
            || PkiLocation.Resolve(parse.GetValue(Pki), parse.GetValue(Config), null, error, required: false) is not { } location)
        {
            return null;
        }

        var security = OpcUaClientSecurity.ForTool(location.Directory, location.Certificate, line => error.WriteLine($"gateway {verb}: {line}"));
        return security.Apply(baseOptions, Security(parse), identity, warning => error.WriteLine($"gateway {verb}: warning: {warning}"));
    }

    /// <summary>The `security:` a source with these options would have.</summary>
    public OpcUaSecurityOptions Security(ParseResult parse) => new()
    {
        Mode = parse.GetValue(_mode)!,
        Policy = parse.GetValue(_policy),
        AutoAcceptServerCertificate = parse.GetValue(_autoAccept),
        CheckHostName = !parse.GetValue(_noHostNameCheck),
    };

    /// <summary>The `identity:` a source with these options would have, or null after printing why the options do not fit together.</summary>
    public OpcUaIdentityOptions? Identity(ParseResult parse, TextWriter error)
    {
        var user = parse.GetValue(_user);
        var password = parse.GetValue(_password);
        var passwordFile = parse.GetValue(_passwordFile);
        var certificate = parse.GetValue(_userCertificate);
        var key = parse.GetValue(_userKey);
        string? problem = null;
        if (password is not null && passwordFile is not null)
        {
            problem = "give --password or --password-file, not both";
        }
        else if (user is null && (password is not null || passwordFile is not null))
        {
            problem = "--password needs --user";
        }
        else if (user is not null && certificate is not null)
        {
            problem = "--user and --user-cert are two different identities: give one";
        }
        else if (key is not null && certificate is null)
        {
            problem = "--user-key needs --user-cert";
        }

        if (problem is null && passwordFile is not null)
        {
            try
            {
                password = File.ReadLines(passwordFile).FirstOrDefault() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"cannot read --password-file {passwordFile}: {e.Message}";
            }
        }

        if (problem is not null)
        {
            error.WriteLine($"gateway {parse.CommandResult.Command.Name}: {problem}");
            return null;
        }

        if (password is { Length: > 0 })
        {
            // Whatever the verb prints next (a server's error, an exception) goes through the masking writer.
            SecretRegistry.Process.Add([password]);
        }

        if (user is not null)
        {
            return new OpcUaIdentityOptions { Type = "username", Username = user, Password = password ?? "", AllowPlainTextPassword = parse.GetValue(_allowPlainText) };
        }

        return certificate is not null
            ? new OpcUaIdentityOptions { Type = "certificate", Certificate = Path.GetFullPath(certificate), PrivateKey = Path.GetFullPath(key ?? certificate) }
            : new OpcUaIdentityOptions();
    }
}
