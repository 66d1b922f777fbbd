using Gateway.Core;
using Gateway.Host.Service;

namespace Gateway.Host.Monitoring;

/// <summary>
/// The figures of the <c>gateway</c> measurement (docs/monitoring.md), the same ones /metrics shows, as points: one for
/// the process, one per source, per machine, per sink and per sink and error cause. Each point is told apart by its tags
/// (source, machine, sink, cause), so that a query picks a kind with <c>"source" != '' AND "machine" = ''</c>.
/// A sink's own counters (<see cref="IReportsHealth.ReportSamples"/>: written, dead-lettered, ...) are fields of its
/// point. Sources' own samples stay on /metrics: the OPC UA slowest-call gauge is "since the previous look", and a
/// second reader would take half of the maxima from the scrape.
/// </summary>
public static class HealthPoints
{
    public static List<HealthPoint> Build(GatewayRuntime runtime, ConnectionWatch watch, DateTime startedAt, DateTime now)
    {
        var labels = runtime.Config.Gateway.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        var points = new List<HealthPoint>();

        HealthPoint Point(IEnumerable<KeyValuePair<string, string>> tags, params KeyValuePair<string, ReadingValue>[] fields) =>
            new(now, [.. labels, .. tags], fields);

        var buffer = runtime.Buffer.GetStatistics();
        points.Add(Point([], Int("buffer_bytes", buffer.BytesOnDisk), Int("buffer_corrupt", buffer.Corrupt)));

        foreach (var source in runtime.Sources)
        {
            var name = source.Config.Name;
            var machines = source.Activity.Machines;
            points.Add(Point(
                [Tag("source", name)],
                Int("readings_in", machines.Values.Sum(m => m.Readings)),
                Int("source_connected", source.State == ConnectionState.Connected ? 1 : 0),
                Int("reconnects", watch.SourceReconnects(name))));
            foreach (var (machine, activity) in machines)
            {
                // A machine that never sent counts its silence from the start of the data path, so it shows as stale.
                var last = activity.LastReadingUtc ?? startedAt;
                points.Add(Point(
                    [Tag("machine", machine), Tag("source", name)],
                    Int("readings_in", activity.Readings),
                    Float("last_reading_age_s", Math.Max(0, (now - last).TotalSeconds))));
            }
        }

        foreach (var sink in runtime.Sinks)
        {
            var name = sink.Config.Name;
            var status = sink.Loop.Status;
            var pending = buffer.Sinks.FirstOrDefault(s => s.Sink == name);
            var samples = new List<MetricSample>();
            sink.Sink.ReportSamples(samples);
            points.Add(Point(
                [Tag("sink", name)],
                [
                    Int("readings_out", status.Delivered),
                    Int("buffer_pending", pending?.Pending ?? 0),
                    Float("buffer_oldest_age_s", pending?.OldestPendingAge?.TotalSeconds ?? 0),
                    Int("dropped", pending?.Dropped ?? 0),
                    Int("sink_connected", sink.Sink.State == ConnectionState.Connected ? 1 : 0),
                    Int("reconnects", watch.SinkReconnects(name)),
                    .. samples.Where(s => s.Labels.Count == 0).Select(Field),
                ]));
            foreach (var sample in samples.Where(s => s.Labels.Count > 0))
            {
                points.Add(Point([.. sample.Labels, Tag("sink", name)], Field(sample)));
            }

            foreach (var (cause, count) in status.FailuresByType)
            {
                points.Add(Point([Tag("cause", cause), Tag("sink", name)], Int("publish_errors", count)));
            }
        }

        return points;
    }

    private static KeyValuePair<string, ReadingValue> Field(MetricSample sample) =>
        sample.Whole ? Int(sample.FieldName, (long)sample.Value) : Float(sample.FieldName, sample.Value);

    private static KeyValuePair<string, string> Tag(string key, string value) => new(key, value);

    private static KeyValuePair<string, ReadingValue> Int(string field, long value) => new(field, ReadingValue.FromInt64(value));

    private static KeyValuePair<string, ReadingValue> Float(string field, double value) => new(field, ReadingValue.FromDouble(value));
}
