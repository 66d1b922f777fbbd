using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>api v1 against a real InfluxDB 1.6 with auth-enabled; the admin is created through /query first.</summary>
public sealed class InfluxDb16AuthTests
{
    [Fact]
    public async Task Wrong_credentials_are_a_clear_error_naming_the_sink_and_the_key_and_the_batch_stays()
    {
        await using var server = await InfluxDbServer.StartAsync(authEnabled: true);
        await server.CreateAdminAsync("admin", "s3cret");
        await server.CreateDatabaseAsync("plant");
        var dataDirectory = NewDataDirectory();
        var logs = new RecordingLoggerFactory();
        var options = new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = server.Url, Database = "plant", Username = "admin", Password = "wrong" };
        await using (var sink = CreateSink(options, dataDirectory, logs, name: "historian"))
        {
            var error = await Assert.ThrowsAsync<InfluxWriteException>(() => sink.DeliverAsync(Series("speed", 3, BaseTime), CancellationToken.None));
            await Assert.ThrowsAsync<InfluxWriteException>(() => sink.DeliverAsync(Series("speed", 3, BaseTime), CancellationToken.None));

            Assert.Contains("sink 'historian'", error.Message);
            Assert.Contains("refused the credentials (401", error.Message);
            Assert.Contains("`username/password`", error.Message);
            Assert.DoesNotContain("wrong", error.Message);
            Assert.Equal(ConnectionState.Faulted, sink.State);
            Assert.Single(logs.At(LogLevel.Warning));
        }

        options.Password = "s3cret";
        await using (var sink = CreateSink(options, dataDirectory, logs, name: "historian"))
        {
            await sink.DeliverAsync(Series("speed", 3, BaseTime), CancellationToken.None);
        }

        Assert.Equal(3, await server.CountAsync("plant", "cnc", "speed"));
        Directory.Delete(dataDirectory, recursive: true);
    }
}
