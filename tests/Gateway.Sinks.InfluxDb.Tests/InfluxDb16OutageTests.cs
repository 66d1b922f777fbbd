using System.Threading.Channels;

using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>A real InfluxDB 1.6 killed for 30 s while readings keep coming, then restarted.</summary>
public sealed class InfluxDb16OutageTests
{
    [Fact]
    public async Task Nothing_is_lost_when_the_server_is_down_for_30_seconds_under_load()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync("plant");
        var dataDirectory = NewDataDirectory();
        var logs = new RecordingLoggerFactory();
        await using var sink = CreateSink(
            new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = server.Url, Database = "plant", BatchSize = 500, TimeoutMs = 2000 },
            dataDirectory,
            logs);
        await sink.StartAsync(CancellationToken.None);

        // The producer stands in for the connectors; the channel for the buffer, which hands batches to the sink one at a time.
        var queue = Channel.CreateUnbounded<List<Reading>>();
        const int BatchesPerSecond = 10;
        const int ReadingsPerBatch = 200;
        var produced = 0;
        var producer = Task.Run(async () =>
        {
            for (var b = 0; b < 38 * BatchesPerSecond; b++)
            {
                await queue.Writer.WriteAsync(Series("load", ReadingsPerBatch, BaseTime, offset: b * ReadingsPerBatch));
                produced += ReadingsPerBatch;
                await Task.Delay(1000 / BatchesPerSecond);
            }

            queue.Writer.Complete();
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var delivery = Task.Run(async () =>
        {
            await foreach (var batch in queue.Reader.ReadAllAsync(timeout.Token))
            {
                await DeliverWithRetryAsync(sink, batch, timeout.Token);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(3));
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(15));
        Assert.Equal(ConnectionState.Faulted, sink.State);
        await Task.Delay(TimeSpan.FromSeconds(15));
        await server.RestartAsync();
        await producer;
        await delivery;

        Assert.Equal(produced, await server.CountAsync("plant", "cnc", "load"));
        Assert.True(sink.Counters.FailedWrites > 5, "the outage was not noticed");
        Assert.Single(logs.At(LogLevel.Warning));
        Assert.Single(logs.At(LogLevel.Information), m => m.Contains("working again after", StringComparison.Ordinal));
        Assert.Equal(ConnectionState.Connected, sink.State);
        Directory.Delete(dataDirectory, recursive: true);
    }
}
