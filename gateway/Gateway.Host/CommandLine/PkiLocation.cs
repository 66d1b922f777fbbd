using System.CommandLine;
using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.OpcUa.Pki;

namespace Gateway.Host.CommandLine;

/// <summary>
/// Which PKI directory a command works on, and the identity for a certificate it creates: `--pki DIR`, else the
/// directory a given certificate file lives in (…/rejected/certs/x.der), else the configuration's `pki:` section.
/// </summary>
public sealed record PkiLocation(PkiDirectory Directory, ApplicationCertificateSettings Certificate)
{
    private static readonly string[] StoreFolders = ["own", "trusted", "issuers", "issuer", "rejected"];

    public static Option<string?> Option() => new("--pki")
    {
        Description = "The PKI directory (default: the configuration's pki.directory, i.e. DATA_DIRECTORY/pki).",
        HelpName = "DIR",
    };

    /// <summary>
    /// The location, or null after printing why there is none (the configuration has errors). <paramref name="required"/>
    /// false lets a command without `--pki` and without a configuration file use `./pki` (read/browse from a laptop).
    /// </summary>
    public static PkiLocation? Resolve(string? pkiOption, string? configOption, string? certificateFile, TextWriter error, bool required = true)
    {
        var configPath = ConfigPath.Resolve(configOption);
        PkiConfig? pki = null;
        string? dataDirectory = null;
        if (configOption is not null || File.Exists(configPath))
        {
            var loaded = ConfigurationLoader.Load(configPath, GatewayPlugins.Create());
            if (loaded.Config is { } config)
            {
                pki = config.Pki;
                dataDirectory = config.Gateway.DataDirectory;
            }
            else if (pkiOption is null && (configOption is not null || required))
            {
                foreach (var problem in loaded.Errors)
                {
                    error.WriteLine(problem.ToString());
                }

                return null;
            }
        }

        var settings = PkiSettings.Certificate((pki ?? new PkiConfig()).ToApplicationIdentity(dataDirectory ?? Environment.CurrentDirectory));
        if (pkiOption is not null)
        {
            return new PkiLocation(new PkiDirectory(pkiOption), settings);
        }

        if (certificateFile is not null && StoreRootOf(certificateFile) is { } root)
        {
            return new PkiLocation(new PkiDirectory(root), settings);
        }

        if (pki is not null)
        {
            return new PkiLocation(PkiSettings.Directory(pki.ToApplicationIdentity(dataDirectory!)), settings);
        }

        if (required)
        {
            error.WriteLine($"No PKI directory: give --pki DIR or --config PATH ({configPath} does not exist).");
            return null;
        }

        return new PkiLocation(new PkiDirectory("pki"), settings);
    }

    /// <summary>ROOT for a file in ROOT/rejected/certs (or trusted/, issuers/, own/), else null.</summary>
    private static string? StoreRootOf(string file)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var certs = Path.GetDirectoryName(Path.GetFullPath(file));
        var store = certs is null ? null : Path.GetDirectoryName(certs);
        return Path.GetFileName(certs) == "certs" && store is not null && StoreFolders.Contains(Path.GetFileName(store), StringComparer.Ordinal)
            ? Path.GetDirectoryName(store)
            : null;
    }
}
