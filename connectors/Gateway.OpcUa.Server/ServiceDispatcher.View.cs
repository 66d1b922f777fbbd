using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server;

public sealed partial class ServiceDispatcher
{
    /// <summary>Part 4, 7.38.2: BadNoMatch (not in the client's table).</summary>
    private const uint BadNoMatch = 0x806F0000;

    private BrowseResponse Browse(BrowseRequest request, ServerSession session)
    {
        CheckCount(request.NodesToBrowse?.Count, Limits.MaxNodesPerBrowse);
        var max = request.RequestedMaxReferencesPerNode == 0 ? Limits.MaxReferencesPerNode : Math.Min(request.RequestedMaxReferencesPerNode, Limits.MaxReferencesPerNode);
        var results = request.NodesToBrowse!.Select(d => BrowseOne(d, max, session)).ToArray();
        return new BrowseResponse { Results = results, DiagnosticInfos = [] };
    }

    private BrowseResult BrowseOne(BrowseDescription description, uint max, ServerSession session)
    {
        var node = AddressSpace.Find(description.NodeId);
        if (node is null)
        {
            return new BrowseResult { StatusCode = StatusCodes.BadNodeIdUnknown };
        }

        if (description.BrowseDirection is < BrowseDirection.Forward or > BrowseDirection.Both)
        {
            return new BrowseResult { StatusCode = StatusCodes.BadBrowseDirectionInvalid };
        }

        var anyType = description.ReferenceTypeId.IsNull;
        if (!anyType && !AddressSpace.IsReferenceType(description.ReferenceTypeId))
        {
            return new BrowseResult { StatusCode = StatusCodes.BadReferenceTypeIdInvalid };
        }

        var matches = new List<ReferenceDescription>();
        foreach (var reference in node.References)
        {
            if ((description.BrowseDirection == BrowseDirection.Forward && !reference.IsForward)
                || (description.BrowseDirection == BrowseDirection.Inverse && reference.IsForward))
            {
                continue;
            }

            if (!anyType && !(description.IncludeSubtypes
                    ? AddressSpace.IsSubtypeOf(reference.ReferenceTypeId, description.ReferenceTypeId)
                    : reference.ReferenceTypeId == description.ReferenceTypeId))
            {
                continue;
            }

            var target = AddressSpace.Find(reference.TargetId);
            if (target is null || (description.NodeClassMask != 0 && ((uint)target.NodeClass & description.NodeClassMask) == 0))
            {
                continue;
            }

            matches.Add(Describe(reference, target, description.ResultMask));
        }

        return Page([.. matches], 0, max, session);
    }

    /// <summary>Part 4, 5.8.2.2: ResultMask bits say which fields to fill.</summary>
    private static ReferenceDescription Describe(NodeReference reference, UaNode target, uint mask) => new()
    {
        ReferenceTypeId = (mask & 0x01) != 0 ? reference.ReferenceTypeId : NodeId.Null,
        IsForward = reference.IsForward,
        NodeId = new ExpandedNodeId(target.NodeId),
        NodeClass = (mask & 0x04) != 0 ? target.NodeClass : NodeClass.Unspecified,
        BrowseName = (mask & 0x08) != 0 ? target.BrowseName : default,
        DisplayName = (mask & 0x10) != 0 ? target.DisplayName : default,
        TypeDefinition = new ExpandedNodeId((mask & 0x20) != 0 && target.TypeDefinition is { } type && target.NodeClass is NodeClass.Object or NodeClass.Variable ? type : NodeId.Null),
    };

    private BrowseResult Page(ReferenceDescription[] all, int start, uint max, ServerSession session)
    {
        var count = (int)Math.Min(max, (uint)(all.Length - start));
        var page = all.AsSpan(start, count).ToArray();
        if (start + count >= all.Length)
        {
            return new BrowseResult { StatusCode = StatusCode.Good, References = page };
        }

        var point = session.SaveContinuation(new BrowseContinuation(all, start + count, max), Limits.MaxBrowseContinuationPoints);
        if (point is null)
        {
            // Part 4, 5.8.2.2: no continuation point left; nothing is returned for this node.
            return new BrowseResult { StatusCode = StatusCodes.BadNoContinuationPoints };
        }

        return new BrowseResult { StatusCode = StatusCode.Good, ContinuationPoint = point, References = page };
    }

    private BrowseNextResponse BrowseNext(BrowseNextRequest request, ServerSession session)
    {
        CheckCount(request.ContinuationPoints?.Count, Limits.MaxNodesPerBrowse);
        var results = new BrowseResult[request.ContinuationPoints!.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var continuation = session.TakeContinuation(request.ContinuationPoints[i]);
            if (continuation is null)
            {
                results[i] = new BrowseResult { StatusCode = StatusCodes.BadContinuationPointInvalid };
            }
            else if (request.ReleaseContinuationPoints)
            {
                results[i] = new BrowseResult { StatusCode = StatusCode.Good, References = [] };
            }
            else
            {
                results[i] = Page(continuation.References, continuation.Next, continuation.MaxPerNode, session);
            }
        }

        return new BrowseNextResponse { Results = results, DiagnosticInfos = [] };
    }

    private TranslateBrowsePathsToNodeIdsResponse TranslateBrowsePaths(TranslateBrowsePathsToNodeIdsRequest request)
    {
        CheckCount(request.BrowsePaths?.Count, Limits.MaxNodesPerTranslateBrowsePathsToNodeIds);
        var results = request.BrowsePaths!.Select(TranslateOne).ToArray();
        return new TranslateBrowsePathsToNodeIdsResponse { Results = results, DiagnosticInfos = [] };
    }

    private BrowsePathResult TranslateOne(BrowsePath path)
    {
        if (AddressSpace.Find(path.StartingNode) is null)
        {
            return new BrowsePathResult { StatusCode = StatusCodes.BadNodeIdUnknown, Targets = [] };
        }

        if (path.Elements is not { Length: > 0 })
        {
            return new BrowsePathResult { StatusCode = StatusCodes.BadNothingToDo, Targets = [] };
        }

        var current = new List<NodeId> { path.StartingNode };
        foreach (var element in path.Elements)
        {
            if (string.IsNullOrEmpty(element.TargetName.Name))
            {
                return new BrowsePathResult { StatusCode = StatusCodes.BadBrowseNameInvalid, Targets = [] };
            }

            var anyType = element.ReferenceTypeId.IsNull;
            var next = new List<NodeId>();
            foreach (var id in current)
            {
                foreach (var reference in AddressSpace.Find(id)!.References)
                {
                    if (reference.IsForward == element.IsInverse)
                    {
                        continue;
                    }

                    if (!anyType && !(element.IncludeSubtypes
                            ? AddressSpace.IsSubtypeOf(reference.ReferenceTypeId, element.ReferenceTypeId)
                            : reference.ReferenceTypeId == element.ReferenceTypeId))
                    {
                        continue;
                    }

                    if (AddressSpace.Find(reference.TargetId) is { } target && target.BrowseName == element.TargetName && !next.Contains(target.NodeId))
                    {
                        next.Add(target.NodeId);
                    }
                }
            }

            if (next.Count == 0)
            {
                return new BrowsePathResult { StatusCode = BadNoMatch, Targets = [] };
            }

            current = next;
        }

        return new BrowsePathResult
        {
            StatusCode = StatusCode.Good,
            Targets = [.. current.Select(id => new BrowsePathTarget { TargetId = new ExpandedNodeId(id), RemainingPathIndex = uint.MaxValue })],
        };
    }
}
