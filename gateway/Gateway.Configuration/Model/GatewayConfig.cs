using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;
using Gateway.MachineState;
using Gateway.Simulator;

namespace Gateway.Configuration.Model;

// The YAML file, as typed classes. Every public settable property is a YAML key in camelCase.
// The binder (ConfigurationLoader) reports unknown keys, wrong types, missing [Required] keys and
// out-of-[Range] numbers with file, line and column; the JSON Schema is generated from these same classes.

/// <summary>The rule every name (gateway, source, machine, group, sink) follows, as the binder explains it.</summary>
internal static class NamePattern
{
    public const string Hint = "a name starts with a letter or digit and holds only letters, digits, '_', '.' and '-'";
}

/// <summary>The root of gateway.yaml.</summary>
public sealed class GatewayConfig
{
    [Description("Other YAML files (globs, relative to this file) whose sources, templates and sinks are merged into this one.")]
    public List<string> Include { get; set; } = [];

    [Required]
    [Description("Who this gateway is: name, site labels and where it keeps its data.")]
    public GatewaySection Gateway { get; set; } = new();

    // Bound straight to the simulator's own options (keys, defaults, limits and help are its own).
    [Description("The built-in machine simulator (an OPC UA server inside the gateway), for demos and tests.")]
    public SimulatorOptions? Simulator { get; set; }

    [Description("Reusable tag sets for identical machines, by name.")]
    public Dictionary<string, TemplateConfig> Templates { get; set; } = new(StringComparer.Ordinal);

    [Description("Devices to read: one entry per connection (an OPC UA server, ...); `type` chooses the protocol, default opcua.")]
    public List<SourceConfig> Sources { get; set; } = [];

    [Description("Normalization defaults for every tag (a source, template, group or tag can override each rule).")]
    public NormalizeConfig Normalize { get; set; } = new();

    // Bound straight to the calculation's own options (docs/oee.md).
    [Description("Machine state, downtime and OEE per shift, computed at the edge (docs/oee.md): the shift calendar and, per template, the state rules.")]
    public OeeOptions? Oee { get; set; }

    [Description("Where readings go. Each entry has a `type` (mqtt, influxdb) and that sink's settings.")]
    public List<SinkConfig> Sinks { get; set; } = [];

    [Description("The durable store-and-forward buffer on disk.")]
    public BufferConfig Buffer { get; set; } = new();

    [Description("This gateway's OPC UA application certificate and trust lists (see docs/security.md).")]
    public PkiConfig Pki { get; set; } = new();

    [Description("The HTTP listener for /metrics, /healthz, /readyz and /status.")]
    public HttpConfig Http { get; set; } = new();

    [Description("Log levels.")]
    public LoggingConfig Logging { get; set; } = new();
}

public sealed class GatewaySection
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = NamePattern.Hint)]
    [Description("The gateway's name: used in MQTT client ids, the status topic and metrics.")]
    public string Name { get; set; } = "";

    [Description("Static labels added to every reading (site, area, ...). `site` is used by the default MQTT topic.")]
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    [Description("Directory for the buffer, certificates and dead letters. Relative paths are relative to the config file.")]
    public string DataDirectory { get; set; } = "data";

    [Range(1, 600)]
    [Description("Seconds allowed for a graceful shutdown before the service exits anyway.")]
    public int ShutdownTimeoutSeconds { get; set; } = 15;
}

/// <summary>A reusable set of tag groups.</summary>
public sealed class TemplateConfig
{
    [Description("Free text.")]
    public string? Description { get; set; }

    [Description("Normalization rules for every tag of the template.")]
    public NormalizeConfig? Normalize { get; set; }

    [Required]
    public List<TagGroupConfig> Groups { get; set; } = [];
}

/// <summary>
/// One source entry: `type` (default opcua) chooses the plugin; the keys below are common to every type, the others
/// belong to the plugin's options (for opcua: endpoint, security, identity, ...).
/// </summary>
public sealed class SourceConfig
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = NamePattern.Hint)]
    public string Name { get; set; } = "";

    [Description("Connector type (default `opcua`); the other keys of the entry are that type's settings.")]
    public string Type { get; set; } = PluginCatalog.DefaultSourceType;

    [Description("Set false to keep the source in the file but not read it.")]
    public bool Enabled { get; set; } = true;

    [Description("Labels added to every reading of this source's machines.")]
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    public NormalizeConfig? Normalize { get; set; }

    [Required]
    [Description("The machines behind this connection (often exactly one).")]
    public List<MachineConfig> Machines { get; set; } = [];

    /// <summary>The plugin's options, bound by the loader to the plugin's OptionsType (not a YAML key itself).</summary>
    [NotAKey]
    public object? Options { get; set; }

    /// <summary>Where the source is (the plugin's EndpointOf its options), for /status and logs.</summary>
    [NotAKey]
    public string Endpoint { get; set; } = "";
}

/// <summary>The PKI directory and the identity written into this gateway's application instance certificate.</summary>
public sealed class PkiConfig
{
    public const string DefaultApplicationName = "Changwon Edge Gateway";

    [Description("The PKI directory (own/, trusted/, issuers/, rejected/). Default: DATA_DIRECTORY/pki. Relative paths are relative to the config file.")]
    public string? Directory { get; set; }

    [Description("This gateway's ApplicationUri, written into its certificate and sent in every session. Default: urn:HOSTNAME:changwon-gateway. Changing it makes a new certificate.")]
    public string? ApplicationUri { get; set; }

    [Description("The certificate's common name (CN).")]
    public string ApplicationName { get; set; } = DefaultApplicationName;

    [Description("The certificate's organization (O): who runs this gateway.")]
    public string Organization { get; set; } = "Changwon DX Center";

    [Description("DNS names and IP addresses written into the certificate. Default: this host's name, its FQDN and its addresses.")]
    public List<string> HostNames { get; set; } = [];

    /// <summary>The ApplicationUri when the YAML names none: one per host, stable across restarts.</summary>
    public static string DefaultApplicationUri() => $"urn:{System.Net.Dns.GetHostName()}:changwon-gateway";

    /// <summary>This section as the plugins take it; <see cref="Directory"/> is absolute once the loader has resolved it.</summary>
    public ApplicationIdentity ToApplicationIdentity(string dataDirectory) => new(
        Directory ?? Path.Combine(dataDirectory, "pki"),
        ApplicationUri ?? DefaultApplicationUri(),
        ApplicationName,
        Organization,
        HostNames);
}

public sealed class MachineConfig
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = NamePattern.Hint)]
    public string Name { get; set; } = "";

    [Description("Name of a template whose tag groups this machine uses.")]
    public string? Template { get; set; }

    [Description("Labels added to this machine's readings (line, area, model, ...).")]
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    [Description("Values for {placeholders} in the template's tag addresses, e.g. nodeId and path (besides {machine}).")]
    public Dictionary<string, string> Variables { get; set; } = new(StringComparer.Ordinal);

    public NormalizeConfig? Normalize { get; set; }

    [Description("Tag groups of this machine (in addition to its template's).")]
    public List<TagGroupConfig> Groups { get; set; } = [];
}

/// <summary>Tags read the same way at the same rate; the keys of the source's type (OPC UA: mode, queueSize, ...) sit beside these.</summary>
public sealed class TagGroupConfig
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = NamePattern.Hint)]
    public string Name { get; set; } = "";

    [Range(10, 3_600_000)]
    [Description("How often the group is read (poll interval, or subscription publishing interval), in milliseconds.")]
    public int IntervalMs { get; set; } = 1000;

    [Description("InfluxDB measurement for these tags (default: the source name).")]
    public string? Measurement { get; set; }

    public NormalizeConfig? Normalize { get; set; }

    [Description("The group's tags; a group whose source type reads without tags (OPC UA `mode: events`) may leave it out.")]
    public List<TagConfig> Tags { get; set; } = [];

    /// <summary>The group's keys of the using source's type (its plugin's GroupOptionsType), bound by the loader.</summary>
    [NotAKey]
    public object? Options { get; set; }
}

/// <summary>One tag: its name and rules here, where it is on the device in the keys of the source's type (OPC UA: nodeId or path).</summary>
public sealed class TagConfig
{
    [Required]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_.-]*$", ErrorMessage = "a tag name starts with a letter or '_' and holds only letters, digits, '_', '.' and '-'")]
    [Description("The clean tag name readings carry.")]
    public string Name { get; set; } = "";

    public NormalizeConfig? Normalize { get; set; }

    /// <summary>Where the tag is on the device: the using source's plugin's AddressType, bound by the loader (before placeholders).</summary>
    [NotAKey]
    public object? Address { get; set; }
}

public enum TimestampChoice
{
    Source,
    Server,
    Gateway,
}

public enum QualityPolicy
{
    Pass,
    Drop,
    HoldLastGood,
}

public enum ValueType
{
    Auto,
    Double,
    Integer,
    Boolean,
    String,
}

/// <summary>
/// Normalization rules. Every field is optional: the effective rule for a tag is the most specific one set
/// (tag, then group, then machine, then template, then source, then the file's `normalize`), else the default.
/// </summary>
public sealed class NormalizeConfig
{
    [Description("Multiply the value by this (linear scaling: value * scale + offset).")]
    public double? Scale { get; set; }

    public double? Offset { get; set; }

    [Description("Engineering unit, e.g. rpm, mm/min, degC.")]
    public string? Unit { get; set; }

    [Description("Read the unit from the server's EUInformation property when no unit is set.")]
    public bool? UnitFromServer { get; set; }

    [Description("Coerce the value: auto (keep), double, integer, boolean, string.")]
    public ValueType? Type { get; set; }

    [Range(0, double.MaxValue)]
    [Description("Gateway-side absolute deadband: drop a value closer than this to the last one sent.")]
    public double? DeadbandAbsolute { get; set; }

    [Range(0, 100)]
    [Description("Gateway-side percent deadband, relative to the last value sent.")]
    public double? DeadbandPercent { get; set; }

    [Description("Send a value only when it differs from the last one sent.")]
    public bool? OnlyOnChange { get; set; }

    [Description("Map numeric values to names, e.g. {0: STOPPED, 1: RUNNING}.")]
    public Dictionary<string, string>? Enum { get; set; }

    [Description("Which timestamp readings carry: source (default), server or gateway.")]
    public TimestampChoice? Timestamp { get; set; }

    [Range(0, 86_400_000)]
    [Description("If the chosen timestamp is further than this (ms) from the gateway clock, use the gateway time instead.")]
    public int? MaxClockSkewMs { get; set; }

    [Description("What to do with Bad readings: pass (default), drop, holdLastGood.")]
    public QualityPolicy? Bad { get; set; }

    [Description("What to do with Uncertain readings: pass (default), drop, holdLastGood.")]
    public QualityPolicy? Uncertain { get; set; }
}

/// <summary>A sink entry: `type` chooses the plugin; the other keys are that plugin's options.</summary>
public sealed class SinkConfig
{
    [Required]
    public string Type { get; set; } = "";

    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]*$", ErrorMessage = NamePattern.Hint)]
    [Description("Name of the sink; also the name of its buffer cursor, so renaming it starts delivery from the oldest buffered reading.")]
    public string Name { get; set; } = "";

    public bool Enabled { get; set; } = true;

    [Description("An optional sink does not hold readiness: while it cannot deliver, /readyz stays ready and /status marks it optional. Its readings still wait in the buffer and flow once it can deliver.")]
    public bool Optional { get; set; }

    /// <summary>The plugin's options, bound by the loader to the plugin's OptionsType (not a YAML key itself).</summary>
    [NotAKey]
    public object? Options { get; set; }

    /// <summary>Where the entry starts in its file, for messages.</summary>
    [NotAKey]
    public SourceLocation? Location { get; set; }
}

public enum OverflowPolicy
{
    DropOldest,
    RefuseNew,
}

public sealed class BufferConfig
{
    [Description("Directory of the buffer (default: DATA_DIRECTORY/buffer).")]
    public string? Directory { get; set; }

    [Range(1, 1_048_576)]
    [Description("Most disk space the buffer may use, in MiB.")]
    public int MaxSizeMb { get; set; } = BufferDefaults.MaxSizeMb;

    [Range(1, 8760)]
    [Description("Readings older than this many hours are dropped even if not delivered.")]
    public int MaxAgeHours { get; set; } = BufferDefaults.MaxAgeHours;

    [Range(0, 1000)]
    [Description("Group commit interval in ms: the most a power cut can lose of what was read.")]
    public int CommitIntervalMs { get; set; } = BufferDefaults.CommitIntervalMs;

    [Description("When full: dropOldest (default) or refuseNew.")]
    public OverflowPolicy WhenFull { get; set; } = OverflowPolicy.DropOldest;

    [Range(1, 100_000)]
    [Description("Most readings handed to a sink in one batch.")]
    public int BatchSize { get; set; } = BufferDefaults.BatchSize;

    [Range(0, 10_000)]
    [Description("After a batch under half of batchSize, wait this many ms before the next, so live readings go out in fewer, larger batches (fewer HTTP writes and MQTT flushes). 0 sends at once.")]
    public int BatchLingerMs { get; set; } = BufferDefaults.BatchLingerMs;

    public RetryConfig Retry { get; set; } = new();
}

public sealed class RetryConfig
{
    [Range(10, 600_000)]
    public int InitialDelayMs { get; set; } = BufferDefaults.RetryInitialDelayMs;

    [Range(100, 3_600_000)]
    public int MaxDelayMs { get; set; } = BufferDefaults.RetryMaxDelayMs;

    [Range(0.01, 1.0)]
    [Description("Circuit breaker: failure ratio that opens the circuit.")]
    public double BreakerFailureRatio { get; set; } = BufferDefaults.BreakerFailureRatio;

    [Range(1000, 3_600_000)]
    [Description("Circuit breaker: how long the circuit stays open, in ms.")]
    public int BreakDurationMs { get; set; } = BufferDefaults.BreakDurationMs;
}

public sealed class HttpConfig
{
    public bool Enabled { get; set; } = true;

    [RegularExpression("^.+:[0-9]{1,5}$", ErrorMessage = "write host:port, e.g. 127.0.0.1:9180")]
    [Description("host:port to listen on. Loopback by default; set 0.0.0.0:9180 only on a trusted network.")]
    public string Listen { get; set; } = "127.0.0.1:9180";

    [Description("The web console (docs/console.md): pages and a JSON API on this listener, for commissioning and first-line diagnosis.")]
    public WebConsoleConfig Console { get; set; } = new();

    [Description("Serve HTTPS with this certificate instead of HTTP (every page, /api and /metrics).")]
    public HttpTlsConfig? Tls { get; set; }
}

/// <summary>The web console on the HTTP listener: who may log in and what stays open without a login.</summary>
public sealed class WebConsoleConfig
{
    [Description("Serve the console and its /api. false leaves only /metrics, /healthz, /readyz and /status.")]
    public bool Enabled { get; set; } = true;

    [Description("Require a login even on a loopback listen address (treated exactly as a non-loopback bind). Any other address always requires one.")]
    public bool RequireLogin { get; set; }

    [Description("Paths reachable without a login where one is required, e.g. [/metrics, /healthz] for a Prometheus.")]
    public List<string> OpenEndpoints { get; set; } = [];

    [Range(1, 10080)]
    [Description("Minutes a login lasts without use.")]
    public int SessionMinutes { get; set; } = 480;

    [Range(0, 60)]
    [Description("Minutes of trend the machine page keeps per numeric tag, one point per 5 s (10 minutes: about 0.5 kB a tag); 0 keeps none. Unset: 10 minutes for up to 10,000 tags, shorter for more (1.2 million points in all, at least 1 minute: 1 minute at 100,000 tags).")]
    public int? TrendMinutes { get; set; }

    [Description("Who may log in where a login is required (`gateway passwd` makes a passwordHash).")]
    public List<WebConsoleUserConfig> Users { get; set; } = [];
}

public sealed class WebConsoleUserConfig
{
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.@-]*$", ErrorMessage = "a user name holds only letters, digits, '_', '.', '@' and '-'")]
    public string Name { get; set; } = "";

    [Required]
    [RegularExpression(@"^\$pbkdf2-sha256\$i=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$", ErrorMessage = "expected $pbkdf2-sha256$i=ITERATIONS$SALT$HASH; make one with `gateway passwd`")]
    [Description("PBKDF2-SHA256 hash of the password, as `gateway passwd` prints it.")]
    public string PasswordHash { get; set; } = "";

    [AllowedValues("viewer", "admin")]
    [Description("viewer: read only; admin: also trusts and rejects certificates and applies configuration.")]
    public string Role { get; set; } = "viewer";
}

public sealed class HttpTlsConfig
{
    [Required]
    [Description("Certificate file: PEM (with privateKey) or PKCS#12 (.pfx/.p12, key inside).")]
    public string Certificate { get; set; } = "";

    [Description("PEM private key file for a PEM certificate.")]
    public string? PrivateKey { get; set; }

    [Description("Password of a PKCS#12 file, e.g. ${file:/etc/gateway/console.pfx.pass}.")]
    public string? Password { get; set; }
}

public sealed class LoggingConfig
{
    [AllowedValues("Trace", "Debug", "Information", "Warning", "Error", "Critical", "None")]
    [Description("Default level: Trace, Debug, Information, Warning, Error, Critical.")]
    public string Level { get; set; } = "Information";

    [Description("Per-category levels, e.g. {Gateway.OpcUa: Debug}.")]
    public Dictionary<string, string> Overrides { get; set; } = new(StringComparer.Ordinal);

    [AllowedValues("text", "json")]
    [Description("Log format: `text` or `json`.")]
    public string Format { get; set; } = "text";
}
