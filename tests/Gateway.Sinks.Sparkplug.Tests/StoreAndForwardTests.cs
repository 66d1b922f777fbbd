using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Sparkplug.Tests;

/// <summary>
/// What waits in the buffer (a broker outage, a primary host offline) arrives after the rebirth, marked historical, in
/// order, nothing lost. Real mosquitto; the independent host application (tests/servers/sparkplug/host.js) checks.
/// </summary>
public sealed class StoreAndForwardTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_a_broker_outage_the_node_is_born_again_and_what_waited_arrives_historical_and_in_order()
    {
        await using var bed = await SparkplugBed.StartAsync();
        var sink = await bed.StartSinkAsync();
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1))], CancellationToken.None);
        await bed.Host.WaitForAsync(m => m.OfType("DDATA").Any(), Patience, "the first DDATA");

        bed.Relay.Closed = true;
        bed.Relay.AbortAll();
        await bed.Host.WaitForAsync(m => m.OfType("NDEATH").Any(), Patience, "the Will (NDEATH)");
        await SparkplugBed.WaitForStateAsync(sink, ConnectionState.Faulted);
        var waited = Enumerable.Range(2, 3).Select(i => SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(i), DateTime.UtcNow.AddMilliseconds(i - 100))).ToList();
        await Assert.ThrowsAsync<SparkplugSinkException>(() => sink.DeliverAsync(waited, CancellationToken.None));

        var replay = SparkplugBed.DeliverWithRetriesAsync(sink, waited, Patience);
        bed.Relay.Closed = false;
        await replay;
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(5))], CancellationToken.None);

        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Sum(d => d.Metrics().Count()) == 5, Patience, "five values");
        var points = SparkplugStream.Check(messages);
        Assert.Equal(2, messages.OfType("NBIRTH").Count());
        Assert.NotEqual(messages.OfType("NBIRTH").First().BdSeq(), messages.OfType("NBIRTH").Last().BdSeq());
        Assert.Equal([1.0, 2, 3, 4, 5], points.Select(p => p.Metric.GetProperty("value").GetDouble()));
        Assert.Equal([false, true, true, true, false], points.Select(p => p.Metric.GetProperty("isHistorical").GetBoolean()));
    }

    [Fact]
    public async Task While_the_primary_host_is_offline_nothing_is_published_and_when_it_is_back_the_node_rebirths_and_replays_historical_data()
    {
        await using var bed = await SparkplugBed.StartAsync(hostId: "scada");
        var sink = await bed.StartSinkAsync(o => o.PrimaryHostId = "scada");

        // No STATE yet: the node must not birth, and readings stay in the buffer.
        await Assert.ThrowsAsync<RetryLaterException>(() => sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(0))], CancellationToken.None));
        Assert.Empty(bed.Host.Messages.OfType("NBIRTH"));

        await bed.Host.SendAsync("online");
        await bed.Host.WaitForAsync(m => m.OfType("NBIRTH").Any(), Patience, "NBIRTH once the host is online");
        await SparkplugBed.DeliverWithRetriesAsync(sink, [SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(1)), SparkplugBed.Reading("cnc1", "Count", ReadingValue.FromInt64(1))], Patience);
        await bed.Host.WaitForAsync(m => m.OfType("DDATA").Any(), Patience, "live DDATA");

        await bed.Host.SendAsync("offline");
        await WaitForAsync(() => !sink.HostOnline, "the sink to see the host offline");
        var waited = new List<Reading>();
        for (var i = 2; i <= 6; i++)
        {
            waited.Add(SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(i), DateTime.UtcNow.AddMilliseconds(i - 100)));
            waited.Add(SparkplugBed.Reading("cnc1", "Count", ReadingValue.FromInt64(i), DateTime.UtcNow.AddMilliseconds(i - 100)));
        }

        await Assert.ThrowsAsync<RetryLaterException>(() => sink.DeliverAsync(waited, CancellationToken.None));
        Assert.Equal("primary host 'scada' is offline; readings wait in the buffer", HealthProblemText(sink));
        var replay = SparkplugBed.DeliverWithRetriesAsync(sink, waited, Patience);

        await bed.Host.SendAsync("online");
        await replay;
        await sink.DeliverAsync([SparkplugBed.Reading("cnc1", "Speed", ReadingValue.FromDouble(7))], CancellationToken.None);
        var messages = await bed.Host.WaitForAsync(m => m.OfType("DDATA").Sum(d => d.Metrics().Count()) == 13, Patience, "every value");
        var points = SparkplugStream.Check(messages);
        Assert.Equal(2, messages.OfType("NBIRTH").Count());
        var rebirth = messages.ToList().FindLastIndex(m => m.Type() == "NBIRTH");
        Assert.True(messages.ToList().FindIndex(m => m.Type() == "DDATA" && m.Metrics().Any(x => x.GetProperty("isHistorical").GetBoolean())) > rebirth, "the replay comes after the rebirth");
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7], points.Where(p => p.Name == "Speed").Select(p => p.Metric.GetProperty("value").GetDouble()));
        Assert.Equal([false, true, true, true, true, true, false], points.Where(p => p.Name == "Speed").Select(p => p.Metric.GetProperty("isHistorical").GetBoolean()));
        Assert.Equal(["1", "2", "3", "4", "5", "6"], points.Where(p => p.Name == "Count").Select(p => p.Metric.GetProperty("value").ToString()));
        Assert.All(points.Where(p => p.Name == "Count").Skip(1), p => Assert.True(p.Metric.GetProperty("isHistorical").GetBoolean()));
    }

    private static string? HealthProblemText(ISink sink) => sink.Problem?.Problem;

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
