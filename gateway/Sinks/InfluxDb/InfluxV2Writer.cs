using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// Writes through InfluxDB.Client's <see cref="WriteApiAsync"/> to <c>/api/v2/write</c>: InfluxDB 2.x, 3.x,
/// 1.8+ (compat endpoint, token <c>user:password</c>, bucket <c>db/rp</c>) and VictoriaMetrics.
/// </summary>
public sealed class InfluxV2Writer : IInfluxWriter
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly string _bucket;
    private readonly string _org;
    private readonly WritePrecision _precision;

    public InfluxV2Writer(InfluxDbSinkOptions options, WritePrecision precision)
    {
        _bucket = options.Bucket ?? "";
        // InfluxDB.Client refuses an empty org; 1.8 compat, 3.x and VictoriaMetrics ignore it, and 1.8's docs use "-".
        _org = string.IsNullOrEmpty(options.Org) ? "-" : options.Org;
        _precision = precision;
        var clientOptions = new InfluxDBClientOptions(options.Url)
        {
            Timeout = TimeSpan.FromMilliseconds(options.TimeoutMs),
            Org = _org,
            Bucket = _bucket,
        };
        if (!string.IsNullOrEmpty(options.Token))
        {
            clientOptions.Token = options.Token;
        }

        _client = new InfluxDBClient(clientOptions);
        if (options.Gzip)
        {
            _client.EnableGzip();
        }

        _writeApi = _client.GetWriteApiAsync();
        Target = $"bucket \"{_bucket}\" at {options.Url}";
    }

    public string Target { get; }

    public string CredentialsKeys => "token";

    public string ContainerKey => "bucket";

    public async Task<WriteResult> WriteAsync(IReadOnlyList<InfluxLine> lines, CancellationToken cancellationToken)
    {
        var records = new string[lines.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = lines[i].Text;
        }

        try
        {
            await _writeApi.WriteRecordsAsync(records, _precision, _bucket, _org, cancellationToken);
            return new WriteResult(204, "", null);
        }
        catch (HttpException e) when (e.Status > 0)
        {
            TimeSpan? retryAfter = e.RetryAfter is int seconds ? TimeSpan.FromSeconds(seconds) : null;
            return new WriteResult(e.Status, e.Message, retryAfter);
        }
    }

    public void Dispose() => _client.Dispose();
}
