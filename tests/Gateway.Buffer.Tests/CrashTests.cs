using System.Diagnostics;
using System.Globalization;

using Gateway.Testing;

namespace Gateway.Buffer.Tests;

/// <summary>
/// kill -9 at random moments: a child process (<see cref="CrashWriter"/>) appends and delivers; the test
/// kills it with SIGKILL, reopens the buffer and checks that every reading the child saw committed comes back.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int Rounds = 20;
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-crash");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task EveryCommittedReadingSurvivesSigkillAtRandomMoments()
    {
        var random = new Random(6);
        var lastSequence = 0L;
        var totalCommitted = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var start = round * 1_000_000_000L;
            var (committed, deliveredToA) = await RunAndKillAsync(start, TimeSpan.FromMilliseconds(random.Next(150, 900)));
            Assert.True(committed.Count > 0, $"round {round}: the child committed nothing before the kill");
            totalCommitted += committed.Count;

            await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 64 * 1024), "a", "b");
            var b = await TestReadings.DrainAsync(buffer, "b", acknowledge: true);
            var a = await TestReadings.DrainAsync(buffer, "a", acknowledge: true);

            var bValues = b.Select(TestReadings.ValueOf).ToHashSet();
            var missingFromB = committed.Where(v => !bValues.Contains(v)).ToList();
            Assert.True(missingFromB.Count == 0, $"round {round}: {missingFromB.Count} committed readings missing for sink b, e.g. {string.Join(",", missingFromB.Take(5))}");

            var aValues = a.Select(TestReadings.ValueOf).Concat(deliveredToA).ToHashSet();
            var missingFromA = committed.Where(v => !aValues.Contains(v)).ToList();
            Assert.True(missingFromA.Count == 0, $"round {round}: {missingFromA.Count} committed readings neither delivered before the kill nor after, for sink a");

            // Sequence numbers only rise, across restarts too, and the order per tag is the order of appends.
            Assert.True(b.Count == 0 || b[0].Sequence > lastSequence, $"round {round}: sequence {b.FirstOrDefault()?.Sequence} reused (last {lastSequence})");
            Assert.Equal(b.Select(r => r.Sequence).Order(), b.Select(r => r.Sequence));
            foreach (var series in b.GroupBy(r => (r.Machine, r.Tag)))
            {
                var values = series.Select(TestReadings.ValueOf).ToList();
                Assert.Equal(values.Order(), values);
            }

            lastSequence = b.Count > 0 ? b[^1].Sequence : lastSequence;
        }

        Assert.True(totalCommitted > Rounds * 100, $"only {totalCommitted} readings committed over {Rounds} rounds");
    }

    private async Task<(List<long> Committed, List<long> DeliveredToA)> RunAndKillAsync(long start, TimeSpan killAfter)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(CrashTests).Assembly.Location);
        info.ArgumentList.Add("crash-writer");
        info.ArgumentList.Add(_directory);
        info.ArgumentList.Add(start.ToString(CultureInfo.InvariantCulture));

        var committed = new List<long>();
        var deliveredToA = new List<long>();
        var errors = new System.Text.StringBuilder();
        var firstCommit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (committed)
            {
                Parse(line, committed, deliveredToA);
            }

            firstCommit.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await firstCommit.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new InvalidOperationException("the crash writer did not commit within 30 s: " + errors);
        }

        await Task.Delay(killAfter);
        Assert.False(process.HasExited, "the crash writer exited by itself: " + errors);
        process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync();
        lock (committed)
        {
            return ([.. committed], [.. deliveredToA]);
        }
    }

    private static void Parse(string line, List<long> committed, List<long> deliveredToA)
    {
        // A line cut off by the kill is incomplete: it is ignored (the readings were then not reported).
        var parts = line.Split(' ');
        if (parts is ["C", var first, var last] && long.TryParse(first, CultureInfo.InvariantCulture, out var f) && long.TryParse(last, CultureInfo.InvariantCulture, out var l))
        {
            for (var v = f; v <= l; v++)
            {
                committed.Add(v);
            }
        }
        else if (parts is ["A", var values])
        {
            foreach (var value in values.Split(','))
            {
                if (long.TryParse(value, CultureInfo.InvariantCulture, out var v))
                {
                    deliveredToA.Add(v);
                }
            }
        }
    }
}
