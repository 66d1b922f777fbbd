using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client;

/// <summary>One node's raw history between two times, as HistoryRead returned it (oldest first), or why not.</summary>
public sealed record NodeHistory(NodeId NodeId, IReadOnlyList<DataValue> Values, StatusCode Status);

/// <summary>
/// HistoryRead of raw values (Part 11, 6.4.3 ReadRawModifiedDetails; Part 4, 5.10.3): nodes in calls of the server's
/// MaxNodesPerHistoryReadData, at most <c>valuesPerCall</c> values per node and call, each node's continuation point
/// followed to the end, and the ones still held released when the caller stops (cancellation or a failed call).
/// </summary>
public static class HistoryReading
{
    // Part 5, 6.3.11: Server/ServerCapabilities/OperationLimits/MaxNodesPerHistoryReadData (NodeIds.csv).
    private static readonly NodeId MaxNodesPerHistoryReadData = new(0, 12165u);

    public static async Task<IReadOnlyList<NodeHistory>> ReadRawHistoryAsync(
        this OpcUaClient client,
        IReadOnlyList<NodeId> nodes,
        DateTime start,
        DateTime end,
        uint valuesPerCall = 1000,
        CancellationToken cancellationToken = default)
    {
        var limit = await client.ReadAsync([new ReadValueId(MaxNodesPerHistoryReadData)], TimestampsToReturn.Neither, cancellationToken);
        var perCall = limit.Length == 1 && limit[0].Status.IsGood && limit[0].Value.TryGetInt64(out var max) && max > 0 ? (int)Math.Min(max, 1000) : 100;
        var results = new List<NodeHistory>(nodes.Count);
        foreach (var chunk in nodes.Chunk(perCall))
        {
            results.AddRange(await ReadChunkAsync(client, chunk, start, end, valuesPerCall, cancellationToken));
        }

        return results;
    }

    private static async Task<NodeHistory[]> ReadChunkAsync(OpcUaClient client, NodeId[] nodes, DateTime start, DateTime end, uint valuesPerCall, CancellationToken cancellationToken)
    {
        var values = nodes.Select(_ => new List<DataValue>()).ToArray();
        var statuses = new StatusCode[nodes.Length];
        var details = ExtensionObject.From(new ReadRawModifiedDetails { IsReadModified = false, StartTime = start, EndTime = end, NumValuesPerNode = valuesPerCall, ReturnBounds = false });
        var asking = Enumerable.Range(0, nodes.Length).Select(i => (Index: i, Point: (byte[]?)null)).ToList();
        try
        {
            while (asking.Count > 0)
            {
                var response = await client.SendAsync<HistoryReadResponse>(
                    new HistoryReadRequest
                    {
                        HistoryReadDetails = details,
                        TimestampsToReturn = TimestampsToReturn.Both,
                        NodesToRead = asking.Select(a => new HistoryReadValueId { NodeId = nodes[a.Index], ContinuationPoint = a.Point }).ToList(),
                    },
                    cancellationToken);
                var answers = response.Results ?? [];
                var next = new List<(int Index, byte[]? Point)>();
                for (var j = 0; j < asking.Count; j++)
                {
                    var index = asking[j].Index;
                    if (j >= answers.Length)
                    {
                        statuses[index] = new StatusCode(StatusCodes.BadUnknownResponse);
                        continue;
                    }

                    statuses[index] = answers[j].StatusCode;
                    if (answers[j].HistoryData.Body is HistoryData data)
                    {
                        values[index].AddRange(data.DataValues ?? []);
                    }

                    // Part 11, 6.4.3.2: a continuation point may come with fewer values than asked, even none.
                    if (answers[j].StatusCode.IsGood && answers[j].ContinuationPoint is { Length: > 0 } point)
                    {
                        next.Add((index, point));
                    }
                }

                asking = next;
            }
        }
        finally
        {
            if (asking.Any(a => a.Point is not null))
            {
                await ReleaseAsync(client, details, asking.Where(a => a.Point is not null).Select(a => new HistoryReadValueId { NodeId = nodes[a.Index], ContinuationPoint = a.Point }).ToList());
            }
        }

        return nodes.Select((n, i) => new NodeHistory(n, values[i], statuses[i])).ToArray();
    }

    /// <summary>Part 4, 5.10.3.2: ReleaseContinuationPoints frees what the server holds for a read that stops early.</summary>
    private static async Task ReleaseAsync(OpcUaClient client, ExtensionObject details, IReadOnlyList<HistoryReadValueId> held)
    {
        try
        {
            await client.SendAsync<HistoryReadResponse>(
                new HistoryReadRequest { HistoryReadDetails = details, ReleaseContinuationPoints = true, TimestampsToReturn = TimestampsToReturn.Both, NodesToRead = held },
                CancellationToken.None,
                TimeSpan.FromSeconds(5));
        }
        catch (UaException)
        {
            // The connection is gone: the server drops the continuation points with the session.
        }
    }
}
