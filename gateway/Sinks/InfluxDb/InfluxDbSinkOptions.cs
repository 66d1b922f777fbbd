using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Sinks.InfluxDb;

/// <summary>Which write endpoint the sink uses.</summary>
public enum InfluxApi
{
    /// <summary>`/api/v2/write` through InfluxDB.Client: InfluxDB 2.x, 3.x, 1.8+ and VictoriaMetrics.</summary>
    V2,

    /// <summary>`/write?db=...`: InfluxDB 1.x before 1.8.</summary>
    V1,
}

/// <summary>The timestamp precision written with every point.</summary>
public enum InfluxPrecision
{
    S,
    Ms,
    Us,
    Ns,
}

/// <summary>What the sink does with readings whose quality is not Good.</summary>
public enum BadQualityHandling
{
    /// <summary>Write them with a `quality` tag (`uncertain` or `bad`).</summary>
    Tag,

    /// <summary>Do not write them (they are counted).</summary>
    Drop,
}

/// <summary>The YAML keys of a `type: influxdb` sink entry (camelCase). Read by the configuration binder and the schema generator.</summary>
public sealed class InfluxDbSinkOptions
{
    [Description("`v2` (default): /api/v2/write via InfluxDB.Client, for InfluxDB 2.x, 3.x, 1.8+ and VictoriaMetrics. `v1`: /write, for InfluxDB 1.x before 1.8.")]
    public InfluxApi Api { get; set; } = InfluxApi.V2;

    [Required]
    [Description("Base URL of the server, e.g. http://influx.plant.local:8086 (VictoriaMetrics: http://host:8428).")]
    public string Url { get; set; } = "";

    [Secret]
    [Description("API token (api v2). Use ${ENV} or ${file:PATH}. For InfluxDB 1.8 compat use `username:password`; VictoriaMetrics needs none.")]
    public string? Token { get; set; }

    [Description("Organization (api v2). InfluxDB 2.x needs it; 1.8 compat, 3.x and VictoriaMetrics ignore it.")]
    public string? Org { get; set; }

    [Description("Bucket (api v2). For InfluxDB 1.8 compat: `database/retentionPolicy`.")]
    public string? Bucket { get; set; }

    [Description("Database (api v1).")]
    public string? Database { get; set; }

    [Description("Retention policy (api v1); empty uses the database's default.")]
    public string? RetentionPolicy { get; set; }

    [Description("User name (api v1), when the server has auth-enabled.")]
    public string? Username { get; set; }

    [Secret]
    [Description("Password (api v1). Use ${ENV} or ${file:PATH}; never written in clear in the YAML.")]
    public string? Password { get; set; }

    [Description("Timestamp precision: s, ms (default), us or ns. Fixed, so that a replay overwrites the same points.")]
    public InfluxPrecision Precision { get; set; } = InfluxPrecision.Ms;

    [Description("Measurement for every point; empty (default) uses the reading's measurement (the tag group's, else the source name).")]
    public string? Measurement { get; set; }

    [Description("Tag key for the gateway name; empty omits it.")]
    public string GatewayTag { get; set; } = "gateway";

    [Description("Tag key for the machine name; empty omits it.")]
    public string MachineTag { get; set; } = "machine";

    [Description("Tag key for the source name; empty (default) omits it.")]
    public string SourceTag { get; set; } = "";

    [Description("Write every label of the reading (site, line, ...) as a tag.")]
    public bool LabelsAsTags { get; set; } = true;

    [Description("Tag key that marks Uncertain and Bad readings (value `uncertain` or `bad`); Good readings carry no such tag.")]
    public string QualityTag { get; set; } = "quality";

    [Description("Readings that are not Good: `tag` (default, written with the quality tag) or `drop`. Counted either way.")]
    public BadQualityHandling BadQuality { get; set; } = BadQualityHandling.Tag;

    [Description("Write integer values as floats (no `i` suffix), to avoid type conflicts when a tag is sometimes integer, sometimes double.")]
    public bool IntegersAsFloat { get; set; }

    // The buffer hands 5000 readings at a time by default; 1250 lines per write keeps 4 writes of each batch in flight.
    [Range(1, 100_000)]
    [Description("Most lines in one HTTP write; the buffer's batch is split into writes of this size, up to maxWritesInFlight at once.")]
    public int BatchSize { get; set; } = 1250;

    [Range(1, 64)]
    [Description("Writes in flight at once within one batch.")]
    public int MaxWritesInFlight { get; set; } = 4;

    [Description("Compress request bodies with gzip.")]
    public bool Gzip { get; set; } = true;

    [Range(100, 600_000)]
    [Description("Timeout of one HTTP write in milliseconds.")]
    public int TimeoutMs { get; set; } = 10_000;

    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$|^$", ErrorMessage = "a measurement name of letters, digits and _, e.g. gateway; empty turns the health points off")]
    [Description("Measurement for the gateway's own health points (docs/monitoring.md), written every healthIntervalSeconds; empty turns them off.")]
    public string HealthMeasurement { get; set; } = "gateway";

    [Range(1, 3600)]
    [Description("Seconds between two health points of each kind.")]
    public int HealthIntervalSeconds { get; set; } = 10;

    [Range(0, 600_000)]
    [Description("On 429/503 with a Retry-After up to this many ms, wait and retry inside the sink; longer waits go back to the buffer.")]
    public int MaxRetryAfterWaitMs { get; set; } = 5_000;
}
