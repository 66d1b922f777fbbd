using Gateway.Core;

namespace Gateway.Sinks.InfluxDb;

/// <summary>The `type: influxdb` sink: InfluxDB 1.x (api v1), 2.x / 3.x / 1.8+ and VictoriaMetrics (api v2).</summary>
public sealed class InfluxDbSinkPlugin : ISinkPlugin
{
    public string Type => "influxdb";

    public Type OptionsType => typeof(InfluxDbSinkOptions);

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var o = (InfluxDbSinkOptions)options;
        if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return new OptionProblem("url", $"'{o.Url}' is not an http:// or https:// URL; write e.g. http://influx.plant.local:8086.");
        }

        if (o.Api == InfluxApi.V2)
        {
            if (string.IsNullOrWhiteSpace(o.Bucket))
            {
                yield return new OptionProblem("bucket", "api v2 needs a bucket (for InfluxDB 1.8 compat: `database/retentionPolicy`); or set `api: v1` with `database`.");
            }

            foreach (var key in new[] { ("database", o.Database), ("retentionPolicy", o.RetentionPolicy), ("username", o.Username), ("password", o.Password) })
            {
                if (!string.IsNullOrEmpty(key.Item2))
                {
                    yield return new OptionProblem(key.Item1, $"`{key.Item1}` is for `api: v1`; with api v2 use `bucket` and `token` (`username:password` for InfluxDB 1.8).");
                }
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(o.Database))
            {
                yield return new OptionProblem("database", "api v1 needs the database to write to.");
            }

            foreach (var key in new[] { ("bucket", o.Bucket), ("org", o.Org), ("token", o.Token) })
            {
                if (!string.IsNullOrEmpty(key.Item2))
                {
                    yield return new OptionProblem(key.Item1, $"`{key.Item1}` is for `api: v2`; with api v1 use `database`, `username` and `password`.");
                }
            }

            if (!string.IsNullOrEmpty(o.Password) && string.IsNullOrEmpty(o.Username))
            {
                yield return new OptionProblem("username", "a password is set but no username.");
            }
        }

        var tagKeys = new[] { ("gatewayTag", o.GatewayTag), ("machineTag", o.MachineTag), ("sourceTag", o.SourceTag), ("qualityTag", o.QualityTag) }
            .Where(k => !string.IsNullOrEmpty(k.Item2))
            .ToList();
        foreach (var duplicate in tagKeys.GroupBy(k => k.Item2, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return new OptionProblem(duplicate.Last().Item1, $"tag key '{duplicate.Key}' is used by {string.Join(" and ", duplicate.Select(k => k.Item1))}; give each its own key.");
        }

        foreach (var (key, value) in tagKeys)
        {
            if (value is "time" or "_measurement" or "_field")
            {
                yield return new OptionProblem(key, $"'{value}' is reserved by InfluxDB and cannot be a tag key.");
            }
        }
    }

    public ISink Create(string name, object options, SinkContext context) => new InfluxDbSink(name, (InfluxDbSinkOptions)options, context);
}
