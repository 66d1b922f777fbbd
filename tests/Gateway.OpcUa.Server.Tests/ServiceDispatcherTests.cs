using Gateway.OpcUa.Server;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>The services against an address space built by the test, through the binary encoding, without a socket.</summary>
public sealed class ServiceDispatcherTests
{
    private static readonly NodeId Folder = new(2, "line");

    private static ServiceHarness Harness(int variables = 3, UaServerOptions? options = null) =>
        new ServiceHarness(options, space =>
        {
            var ns = space.RegisterNamespace("urn:test");
            space.AddFolder(StandardIds.ObjectsFolder, new NodeId(ns, "line"), new QualifiedName(ns, "line"));
            for (var i = 0; i < variables; i++)
            {
                var node = space.AddVariable(Folder, new VariableNode(new NodeId(ns, $"line/v{i}"), new QualifiedName(ns, $"v{i}"), new LocalizedText($"v{i}"), StandardIds.Double)
                {
                    Unit = "bar",
                    EuRange = (0, 200),
                });
                node.SetValue(Variant.From((double)i), DateTime.UtcNow);
            }
        }).WithSession();

    private static VariableNode Variable(ServiceHarness h, int i) => (VariableNode)h.Space.Find(new NodeId(2, $"line/v{i}"))!;

    [Fact]
    public void ReadReturnsValuesAndTheAttributesAClientBrowses()
    {
        var h = Harness();
        var id = new NodeId(2, "line/v1");
        var response = h.Call<ReadResponse>(new ReadRequest
        {
            NodesToRead =
            [
                new ReadValueId(id), new ReadValueId(id, Attributes.NodeClass), new ReadValueId(id, Attributes.BrowseName),
                new ReadValueId(id, Attributes.DataType), new ReadValueId(id, Attributes.ValueRank), new ReadValueId(id, Attributes.AccessLevel),
                new ReadValueId(new NodeId(2, "missing")), new ReadValueId(Folder, Attributes.Value), new ReadValueId(StandardIds.ServerStatusState),
                new ReadValueId(StandardIds.NamespaceArray), new ReadValueId(StandardIds.MaxNodesPerRead), new ReadValueId(StandardIds.ServerStatus),
            ],
        });
        var r = response.Results!;
        Assert.Equal(1.0, r[0].Value.Value);
        Assert.Equal((int)NodeClass.Variable, r[1].Value.Value);
        Assert.Equal(new QualifiedName(2, "v1"), r[2].Value.Value);
        Assert.Equal(StandardIds.Double, r[3].Value.Value);
        Assert.Equal(-1, r[4].Value.Value);
        Assert.Equal((byte)1, r[5].Value.Value);
        Assert.Equal(StatusCodes.BadNodeIdUnknown, r[6].Status.Code);
        Assert.Equal(StatusCodes.BadAttributeIdInvalid, r[7].Status.Code);
        Assert.Equal(0, r[8].Value.Value);
        Assert.Equal(["http://opcfoundation.org/UA/", "urn:changwon-gateway:opcua-server", "urn:test"], (string[])r[9].Value.Value!);
        Assert.Equal(200_000u, r[10].Value.Value);
        var status = Assert.IsType<ServerStatusDataType>(Assert.IsType<ExtensionObject>(r[11].Value.Value).Body);
        Assert.Equal(0, status.State);
    }

    [Fact]
    public void TooManyOrNoOperationsFailTheWholeCall()
    {
        var h = Harness(options: new UaServerOptions { Limits = new ServerLimits { MaxNodesPerRead = 2 } });
        Assert.Equal(StatusCodes.BadTooManyOperations, h.Fault(new ReadRequest { NodesToRead = [new(Folder), new(Folder), new(Folder)] }).Code);
        Assert.Equal(StatusCodes.BadNothingToDo, h.Fault(new ReadRequest { NodesToRead = [] }).Code);
    }

    [Fact]
    public void RequestsNeedAnActivatedSessionOnTheSameChannel()
    {
        var h = Harness();
        var other = new RecordingChannel(2);
        Assert.Equal(StatusCodes.BadSecureChannelIdInvalid, h.Fault(new ReadRequest { NodesToRead = [new(Folder)] }, other).Code);

        var unactivated = new ServiceHarness();
        unactivated.Call<CreateSessionResponse>(new CreateSessionRequest());
        Assert.Equal(StatusCodes.BadSessionIdInvalid, unactivated.Fault(new ReadRequest { NodesToRead = [new(Folder)] }).Code);
    }

    [Fact]
    public void UserNameLoginChecksThePasswordAndAnonymousCanBeTurnedOff()
    {
        var options = new UaServerOptions { AllowAnonymous = false, Users = new Dictionary<string, string> { ["op"] = "pw" } };
        var h = new ServiceHarness(options);
        var created = h.Call<CreateSessionResponse>(new CreateSessionRequest());
        var endpoint = Assert.Single(created.ServerEndpoints!);
        Assert.Equal([UserTokenType.UserName], endpoint.UserIdentityTokens!.Select(p => p.TokenType));

        var session = new ServiceHarness(options);
        var c = session.Call<CreateSessionResponse>(new CreateSessionRequest());
        session.Token = c.AuthenticationToken;
        Assert.Equal(StatusCodes.BadIdentityTokenRejected, session.Fault(new ActivateSessionRequest { UserIdentityToken = ExtensionObject.From(new AnonymousIdentityToken()) }).Code);
        Assert.Equal(StatusCodes.BadUserAccessDenied, session.Fault(new ActivateSessionRequest
        {
            UserIdentityToken = ExtensionObject.From(new UserNameIdentityToken { PolicyId = "username", UserName = "op", Password = "nope"u8.ToArray() }),
        }).Code);
        session.Call<ActivateSessionResponse>(new ActivateSessionRequest
        {
            UserIdentityToken = ExtensionObject.From(new UserNameIdentityToken { PolicyId = "username", UserName = "op", Password = "pw"u8.ToArray() }),
        });
        Assert.Single(session.Call<ReadResponse>(new ReadRequest { NodesToRead = [new(StandardIds.ServerStatusState)] }).Results!);
    }

    [Fact]
    public void BrowseHandsOutContinuationPointsThatBrowseNextFollowsAndReleases()
    {
        var h = Harness(variables: 25);
        var first = h.Call<BrowseResponse>(new BrowseRequest
        {
            RequestedMaxReferencesPerNode = 10,
            NodesToBrowse = [new BrowseDescription { NodeId = Folder, ReferenceTypeId = StandardIds.HierarchicalReferences, NodeClassMask = (uint)NodeClass.Variable }],
        }).Results![0];
        Assert.Equal(10, first.References!.Length);
        Assert.NotNull(first.ContinuationPoint);

        var names = first.References.Select(r => r.BrowseName.Name).ToList();
        var point = first.ContinuationPoint;
        while (point is not null)
        {
            var next = h.Call<BrowseNextResponse>(new BrowseNextRequest { ContinuationPoints = [point] }).Results![0];
            Assert.True(next.StatusCode.IsGood);
            names.AddRange(next.References!.Select(r => r.BrowseName.Name));
            point = next.ContinuationPoint;
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"v{i}").Order(), names.Order());

        // A used-up point is invalid; a released one too.
        var again = h.Call<BrowseResponse>(new BrowseRequest { RequestedMaxReferencesPerNode = 5, NodesToBrowse = [new BrowseDescription { NodeId = Folder }] }).Results![0];
        Assert.Equal(StatusCode.Good, h.Call<BrowseNextResponse>(new BrowseNextRequest { ReleaseContinuationPoints = true, ContinuationPoints = [again.ContinuationPoint] }).Results![0].StatusCode);
        Assert.Equal(StatusCodes.BadContinuationPointInvalid, h.Call<BrowseNextResponse>(new BrowseNextRequest { ContinuationPoints = [again.ContinuationPoint] }).Results![0].StatusCode.Code);
    }

    [Fact]
    public void BrowseFiltersByReferenceTypeAndDirection()
    {
        var h = Harness();
        var inverse = h.Call<BrowseResponse>(new BrowseRequest
        {
            NodesToBrowse = [new BrowseDescription { NodeId = new NodeId(2, "line/v0"), BrowseDirection = BrowseDirection.Inverse, ReferenceTypeId = StandardIds.HierarchicalReferences }],
        }).Results![0];
        Assert.Equal(Folder, Assert.Single(inverse.References!).NodeId.NodeId);

        var properties = h.Call<BrowseResponse>(new BrowseRequest
        {
            NodesToBrowse = [new BrowseDescription { NodeId = new NodeId(2, "line/v0"), ReferenceTypeId = StandardIds.HasProperty }],
        }).Results![0];
        Assert.Equal(["EURange", "EngineeringUnits"], properties.References!.Select(r => r.BrowseName.Name).Order(StringComparer.Ordinal));

        var server = h.Call<BrowseResponse>(new BrowseRequest { NodesToBrowse = [new BrowseDescription { NodeId = StandardIds.Server }] }).Results![0];
        Assert.Contains(server.References!, r => r.NodeId.NodeId == StandardIds.NamespaceArray);
        Assert.Contains(server.References!, r => r.NodeId.NodeId == StandardIds.ServerCapabilities);

        var bad = h.Call<BrowseResponse>(new BrowseRequest { NodesToBrowse = [new BrowseDescription { NodeId = Folder, ReferenceTypeId = new NodeId(2, "line/v0") }] }).Results![0];
        Assert.Equal(StatusCodes.BadReferenceTypeIdInvalid, bad.StatusCode.Code);
    }

    [Fact]
    public void TranslateBrowsePathsFindsNodesByBrowseNames()
    {
        var h = Harness();
        var results = h.Call<TranslateBrowsePathsToNodeIdsResponse>(new TranslateBrowsePathsToNodeIdsRequest
        {
            BrowsePaths =
            [
                new BrowsePath { Elements = [new RelativePathElement { TargetName = new QualifiedName(2, "line") }, new RelativePathElement { TargetName = new QualifiedName(2, "v2") }] },
                new BrowsePath { StartingNode = StandardIds.Server, Elements = [new RelativePathElement { TargetName = new QualifiedName(0, "ServerCapabilities") }, new RelativePathElement { TargetName = new QualifiedName(0, "OperationLimits") }, new RelativePathElement { TargetName = new QualifiedName(0, "MaxNodesPerRead") }] },
                new BrowsePath { Elements = [new RelativePathElement { TargetName = new QualifiedName(2, "nowhere") }] },
            ],
        }).Results!;
        Assert.Equal(new NodeId(2, "line/v2"), Assert.Single(results[0].Targets!).TargetId.NodeId);
        Assert.Equal(StandardIds.MaxNodesPerRead, Assert.Single(results[1].Targets!).TargetId.NodeId);
        Assert.Equal(0x806F0000u, results[2].StatusCode.Code);
    }

    [Fact]
    public void UnknownServicesGetAServiceFaultNotADroppedChannel()
    {
        var h = Harness();
        var response = h.Dispatcher.Dispatch(new UnsupportedRequest(new NodeId(0, 673u), new RequestHeader { RequestHandle = 9 }), new Gateway.OpcUa.Server.Channels.ServiceContext(h.Channel, 1));
        var fault = Assert.IsType<ServiceFault>(response);
        Assert.Equal(StatusCodes.BadServiceUnsupported, fault.ResponseHeader.ServiceResult.Code);
        Assert.Equal(9u, fault.ResponseHeader.RequestHandle);
    }
}
