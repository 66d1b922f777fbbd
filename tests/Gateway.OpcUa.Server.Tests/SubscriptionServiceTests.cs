using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>Subscriptions, monitored items, Publish, Republish and transfer, with the publish engine driven by hand.</summary>
public sealed class SubscriptionServiceTests
{
    private static readonly NodeId Pressure = new(2, "press/pressure");
    private static readonly NodeId Count = new(2, "press/count");

    private static ServiceHarness Harness() =>
        new ServiceHarness(null, space =>
        {
            var ns = space.RegisterNamespace("urn:test");
            space.AddFolder(StandardIds.ObjectsFolder, new NodeId(ns, "press"), new QualifiedName(ns, "press"));
            space.AddVariable(new NodeId(ns, "press"), new VariableNode(Pressure, new QualifiedName(ns, "pressure"), new LocalizedText("pressure"), StandardIds.Double) { EuRange = (0, 400) })
                .SetValue(Variant.From(100.0), DateTime.UtcNow);
            space.AddVariable(new NodeId(ns, "press"), new VariableNode(Count, new QualifiedName(ns, "count"), new LocalizedText("count"), StandardIds.Int32))
                .SetValue(Variant.From(0), DateTime.UtcNow);
        }).WithSession();

    private static VariableNode Node(ServiceHarness h, NodeId id) => (VariableNode)h.Space.Find(id)!;

    private static uint Subscribe(ServiceHarness h, double interval = 100, uint keepAlive = 3, uint lifetime = 30) =>
        h.Call<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = interval, RequestedMaxKeepAliveCount = keepAlive, RequestedLifetimeCount = lifetime }).SubscriptionId;

    private static MonitoredItemCreateResult Monitor(ServiceHarness h, uint subscription, NodeId node, uint handle, DataChangeFilter? filter = null, uint queueSize = 1, bool discardOldest = true) =>
        h.Call<CreateMonitoredItemsResponse>(new CreateMonitoredItemsRequest
        {
            SubscriptionId = subscription,
            ItemsToCreate =
            [
                new MonitoredItemCreateRequest
                {
                    ItemToMonitor = new ReadValueId(node),
                    RequestedParameters = new MonitoringParameters
                    {
                        ClientHandle = handle,
                        SamplingInterval = 0,
                        QueueSize = queueSize,
                        DiscardOldest = discardOldest,
                        Filter = filter is null ? new ExtensionObject(NodeId.Null, null) : ExtensionObject.From(filter),
                    },
                },
            ],
        }).Results![0];

    /// <summary>Parks a Publish and runs the engine one publishing interval later; returns what was sent for it.</summary>
    private static PublishResponse? PublishOnce(ServiceHarness h, ref DateTime clock, params SubscriptionAcknowledgement[] acks)
    {
        var before = h.Channel.Sent.Count;
        Assert.Null(h.Send(new PublishRequest { SubscriptionAcknowledgements = acks }));
        clock = clock.AddMilliseconds(150);
        h.Engine.RunAt(clock);
        var sent = h.Channel.Sent.Skip(before).Select(s => s.Response).OfType<PublishResponse>().ToList();
        return sent.Count == 0 ? null : sent[^1];
    }

    private static MonitoredItemNotification[] Notifications(PublishResponse response) =>
        response.NotificationMessage.NotificationData!.Select(d => d.Body).OfType<DataChangeNotification>().SelectMany(n => n.MonitoredItems!).ToArray();

    [Fact]
    public void FirstPublishCarriesTheInitialValuesThenOnlyChanges()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Assert.True(Monitor(h, id, Pressure, 7).StatusCode.IsGood);
        Assert.True(Monitor(h, id, Count, 8).StatusCode.IsGood);

        var first = PublishOnce(h, ref clock)!;
        Assert.Equal(id, first.SubscriptionId);
        Assert.Equal([7u, 8u], Notifications(first).Select(n => n.ClientHandle).Order());
        Assert.Equal(1u, first.NotificationMessage.SequenceNumber);

        Node(h, Count).SetValue(Variant.From(1), DateTime.UtcNow);
        Node(h, Count).SetValue(Variant.From(1), DateTime.UtcNow); // the same value again: not a change
        var second = PublishOnce(h, ref clock, new SubscriptionAcknowledgement { SubscriptionId = id, SequenceNumber = 1 })!;
        var change = Assert.Single(Notifications(second));
        Assert.Equal(8u, change.ClientHandle);
        Assert.Equal(1, change.Value.Value.Value);
        Assert.Equal([StatusCode.Good], second.Results!);
        Assert.Equal([2u], second.AvailableSequenceNumbers!);
    }

    [Fact]
    public void AbsoluteAndPercentDeadbandsDropSmallChanges()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Pressure, 1, new DataChangeFilter { DeadbandType = DeadbandType.Absolute, DeadbandValue = 5 });
        PublishOnce(h, ref clock);

        Node(h, Pressure).SetValue(Variant.From(103.0), DateTime.UtcNow);
        Node(h, Pressure).SetValue(Variant.From(104.9), DateTime.UtcNow);
        Assert.Empty(Notifications(PublishOnce(h, ref clock) ?? new PublishResponse { NotificationMessage = new NotificationMessage { NotificationData = [] } }));

        Node(h, Pressure).SetValue(Variant.From(106.0), DateTime.UtcNow);
        Assert.Equal(106.0, Assert.Single(Notifications(PublishOnce(h, ref clock)!)).Value.Value.Value);

        // 10 % of the EURange 0..400 is 40.
        var percent = Monitor(h, id, Pressure, 2, new DataChangeFilter { DeadbandType = DeadbandType.Percent, DeadbandValue = 10 });
        Assert.True(percent.StatusCode.IsGood);
        var noRange = Monitor(h, id, Count, 3, new DataChangeFilter { DeadbandType = DeadbandType.Percent, DeadbandValue = 10 });
        Assert.Equal(StatusCodes.BadFilterNotAllowed, noRange.StatusCode.Code);
    }

    [Fact]
    public void KeepAliveComesWhenNothingChangesAndUsesNoSequenceNumber()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h, keepAlive: 2);
        Monitor(h, id, Count, 1);
        var data = PublishOnce(h, ref clock)!;
        Assert.Equal(1u, data.NotificationMessage.SequenceNumber);

        h.Send(new PublishRequest());
        var before = h.Channel.Sent.Count;
        clock = clock.AddMilliseconds(150);
        h.Engine.RunAt(clock);
        Assert.Equal(before, h.Channel.Sent.Count); // one quiet cycle: nothing yet
        clock = clock.AddMilliseconds(150);
        h.Engine.RunAt(clock);
        var keepAlive = Assert.IsType<PublishResponse>(h.Channel.Sent.Last().Response);
        Assert.Empty(keepAlive.NotificationMessage.NotificationData!);
        Assert.Equal(2u, keepAlive.NotificationMessage.SequenceNumber);

        Node(h, Count).SetValue(Variant.From(5), DateTime.UtcNow);
        Assert.Equal(2u, PublishOnce(h, ref clock)!.NotificationMessage.SequenceNumber);
    }

    [Fact]
    public void RepublishReturnsUnacknowledgedMessagesOnly()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Count, 1);
        var first = PublishOnce(h, ref clock)!;

        var again = h.Call<RepublishResponse>(new RepublishRequest { SubscriptionId = id, RetransmitSequenceNumber = 1 });
        Assert.Equal(first.NotificationMessage.SequenceNumber, again.NotificationMessage.SequenceNumber);
        Assert.Equal(Notifications(first).Single().Value.Value.Value, again.NotificationMessage.NotificationData!.Select(d => d.Body).OfType<DataChangeNotification>().Single().MonitoredItems![0].Value.Value.Value);

        Node(h, Count).SetValue(Variant.From(9), DateTime.UtcNow);
        PublishOnce(h, ref clock, new SubscriptionAcknowledgement { SubscriptionId = id, SequenceNumber = 1 });
        Assert.Equal(StatusCodes.BadMessageNotAvailable, h.Fault(new RepublishRequest { SubscriptionId = id, RetransmitSequenceNumber = 1 }).Code);
    }

    [Fact]
    public void AQueueKeepsEveryValueAndMarksTheOverflow()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Count, 1, queueSize: 3);
        PublishOnce(h, ref clock);
        for (var i = 1; i <= 5; i++)
        {
            Node(h, Count).SetValue(Variant.From(i), DateTime.UtcNow);
        }

        var values = Notifications(PublishOnce(h, ref clock)!);
        Assert.Equal([3, 4, 5], values.Select(v => (int)v.Value.Value.Value!));
        Assert.True(values[0].Value.Status.Overflow);
        Assert.False(values[1].Value.Status.Overflow);
    }

    [Theory]
    [InlineData(true, new[] { 8, 9, 10, 11, 12 }, 0)]
    [InlineData(false, new[] { 1, 2, 3, 4, 12 }, 4)]
    public void AGrowingQueueKeepsItsRevisedSizeInOrderWithTheOverflowBitWherePart4PutsIt(bool discardOldest, int[] kept, int overflowAt)
    {
        // Part 4, 5.12.1.5: discardOldest drops the oldest and flags the next one in the queue; otherwise the last value
        // added is replaced by the new one, which is flagged. The queue's storage grows 2, 4, 5 on the way.
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Assert.Equal(5u, Monitor(h, id, Count, 1, queueSize: 5, discardOldest: discardOldest).RevisedQueueSize);
        PublishOnce(h, ref clock);
        for (var i = 1; i <= 12; i++)
        {
            Node(h, Count).SetValue(Variant.From(i), DateTime.UtcNow);
        }

        var values = Notifications(PublishOnce(h, ref clock)!);
        Assert.Equal(kept, values.Select(v => (int)v.Value.Value.Value!));
        Assert.Equal([overflowAt], Enumerable.Range(0, values.Length).Where(i => values[i].Value.Status.Overflow));

        // Drained, the grown queue takes values again without a flag left over.
        Node(h, Count).SetValue(Variant.From(13), DateTime.UtcNow);
        Node(h, Count).SetValue(Variant.From(14), DateTime.UtcNow);
        var next = Notifications(PublishOnce(h, ref clock)!);
        Assert.Equal([13, 14], next.Select(v => (int)v.Value.Value.Value!));
        Assert.DoesNotContain(next, v => v.Value.Status.Overflow);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AQueueThatOverflowsWhileGrowingFromPartlyDrainedStorageKeepsTheNewestInOrder(bool discardOldest)
    {
        // The ring's head moves with each publish; growth must copy from the head, not from slot 0.
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Count, 1, queueSize: 7, discardOldest: discardOldest);
        PublishOnce(h, ref clock);
        var next = 1;
        for (var round = 0; round < 3; round++)
        {
            // Three values into storage of two or four: the head sits mid-ring when the next growth comes.
            var first = next;
            for (var i = 0; i < 3; i++)
            {
                Node(h, Count).SetValue(Variant.From(next++), DateTime.UtcNow);
            }

            Assert.Equal([first, first + 1, first + 2], Notifications(PublishOnce(h, ref clock)!).Select(v => (int)v.Value.Value.Value!));
        }

        for (var i = 0; i < 10; i++)
        {
            Node(h, Count).SetValue(Variant.From(next++), DateTime.UtcNow);
        }

        var values = Notifications(PublishOnce(h, ref clock)!);
        int[] expected = discardOldest ? [13, 14, 15, 16, 17, 18, 19] : [10, 11, 12, 13, 14, 15, 19];
        Assert.Equal(expected, values.Select(v => (int)v.Value.Value.Value!));
        Assert.Equal([discardOldest ? 0 : 6], Enumerable.Range(0, values.Length).Where(i => values[i].Value.Status.Overflow));
    }

    [Fact]
    public void AQueueOfOneKeepsTheNewestWithoutTheOverflowBitWhateverThePolicy()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Count, 1, queueSize: 1, discardOldest: false);
        PublishOnce(h, ref clock);
        for (var i = 1; i <= 4; i++)
        {
            Node(h, Count).SetValue(Variant.From(i), DateTime.UtcNow);
        }

        var value = Assert.Single(Notifications(PublishOnce(h, ref clock)!));
        Assert.Equal(4, (int)value.Value.Value.Value!);
        Assert.False(value.Value.Status.Overflow);
    }

    [Fact]
    public void ALargeQueueSizeTakesMemoryOnlyAsValuesPileUp()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Assert.Equal(1000u, Monitor(h, id, Count, 1, queueSize: 1000).RevisedQueueSize);
        var item = h.Dispatcher.Sessions.Single().Subscriptions.Single().Items().Single();
        PublishOnce(h, ref clock);
        Node(h, Count).SetValue(Variant.From(1), DateTime.UtcNow);
        PublishOnce(h, ref clock);
        Assert.True(item.AllocatedLength <= 2, $"{item.AllocatedLength} values allocated for one");

        for (var i = 2; i <= 1500; i++)
        {
            Node(h, Count).SetValue(Variant.From(i), DateTime.UtcNow);
        }

        Assert.Equal(1000, item.AllocatedLength);
        var values = Notifications(PublishOnce(h, ref clock)!);
        Assert.Equal(Enumerable.Range(501, 1000), values.Select(v => (int)v.Value.Value.Value!));
        Assert.Equal(1000u, item.QueueSize);
    }

    [Fact]
    public void DisabledPublishingAndDeletedItemsStopNotifications()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h, keepAlive: 100);
        var item = Monitor(h, id, Count, 1);
        PublishOnce(h, ref clock);

        h.Call<DeleteMonitoredItemsResponse>(new DeleteMonitoredItemsRequest { SubscriptionId = id, MonitoredItemIds = [item.MonitoredItemId] });
        Node(h, Count).SetValue(Variant.From(42), DateTime.UtcNow);
        Assert.Null(PublishOnce(h, ref clock));

        var deleted = h.Call<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [id, 999] });
        Assert.Equal([StatusCode.Good, new StatusCode(StatusCodes.BadSubscriptionIdInvalid)], deleted.Results!);
        // The parked Publish is answered: no subscription is left.
        Assert.Equal(StatusCodes.BadNoSubscription, Assert.IsType<ServiceFault>(h.Channel.Sent.Last().Response).ResponseHeader.ServiceResult.Code);
    }

    [Fact]
    public void ModifySetPublishingModeAndSetMonitoringModeAreHonoured()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        var item = Monitor(h, id, Count, 1);
        PublishOnce(h, ref clock);

        var modified = h.Call<ModifySubscriptionResponse>(new ModifySubscriptionRequest { SubscriptionId = id, RequestedPublishingInterval = 1, RequestedMaxKeepAliveCount = 4, RequestedLifetimeCount = 2 });
        Assert.Equal(20, modified.RevisedPublishingInterval); // the server's fastest
        Assert.Equal(12u, modified.RevisedLifetimeCount); // at least three keep-alives

        h.Call<SetMonitoringModeResponse>(new SetMonitoringModeRequest { SubscriptionId = id, MonitoringMode = MonitoringMode.Disabled, MonitoredItemIds = [item.MonitoredItemId] });
        Node(h, Count).SetValue(Variant.From(1), DateTime.UtcNow);
        var quiet = PublishOnce(h, ref clock);
        Assert.True(quiet is null || Notifications(quiet).Length == 0);

        h.Call<SetMonitoringModeResponse>(new SetMonitoringModeRequest { SubscriptionId = id, MonitoringMode = MonitoringMode.Reporting, MonitoredItemIds = [item.MonitoredItemId] });
        var set = h.Call<SetPublishingModeResponse>(new SetPublishingModeRequest { PublishingEnabled = true, SubscriptionIds = [id] });
        Assert.Equal([StatusCode.Good], set.Results!);
        var back = Notifications(PublishOnce(h, ref clock)!);
        Assert.Equal(1, Assert.Single(back).Value.Value.Value);
    }

    [Fact]
    public void TransferMovesASubscriptionToAnotherSessionOfTheSameUser()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h);
        Monitor(h, id, Count, 1);
        PublishOnce(h, ref clock);
        h.Send(new PublishRequest()); // parked on the old session

        var otherChannel = new RecordingChannel(2);
        var oldToken = h.Token;
        h.WithSession(otherChannel);
        var transfer = h.Call<TransferSubscriptionsResponse>(new TransferSubscriptionsRequest { SubscriptionIds = [id], SendInitialValues = true }, otherChannel);
        Assert.True(transfer.Results![0].StatusCode.IsGood);
        Assert.Equal([1u], transfer.Results[0].AvailableSequenceNumbers!);

        var told = h.Channel.Sent.Select(s => s.Response).OfType<PublishResponse>().Last();
        Assert.Equal(StatusCodes.GoodSubscriptionTransferred, told.NotificationMessage.NotificationData!.Select(d => d.Body).OfType<StatusChangeNotification>().Single().Status.Code);

        h.Send(new PublishRequest(), otherChannel);
        clock = clock.AddMilliseconds(150);
        h.Engine.RunAt(clock);
        var resent = otherChannel.Sent.Select(s => s.Response).OfType<PublishResponse>().Single();
        Assert.Equal(0, Notifications(resent).Single().Value.Value.Value);
        Assert.NotEqual(oldToken, h.Token);
    }

    [Fact]
    public void ASubscriptionWithoutPublishRequestsExpires()
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var id = Subscribe(h, keepAlive: 1, lifetime: 3);
        Assert.Equal(1, h.Dispatcher.SubscriptionCount);
        for (var i = 0; i < 5; i++)
        {
            clock = clock.AddMilliseconds(150);
            h.Engine.RunAt(clock);
        }

        Assert.Equal(0, h.Dispatcher.SubscriptionCount);
        Assert.Equal(StatusCodes.BadSubscriptionIdInvalid, h.Fault(new RepublishRequest { SubscriptionId = id, RetransmitSequenceNumber = 1 }).Code);
    }

    /// <summary>
    /// Part 4, 5.14.2.2: subscriptions of equal priority take the Publish requests in turn. A client that has one request
    /// at the server at a time (slow, or starved of CPU) while both subscriptions always have values got, in creation
    /// order, every answer from the first and none from the second, whose queues then overflowed.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SubscriptionsOfEqualPriorityTakeScarcePublishRequestsInTurn(bool requestParkedBeforeTheCycle)
    {
        var h = Harness();
        var clock = DateTime.UtcNow;
        var first = Subscribe(h);
        var second = Subscribe(h);
        Monitor(h, first, Pressure, 1);
        Monitor(h, second, Count, 2);
        var answeredFor = new List<uint>();
        for (var round = 1; round <= 6; round++)
        {
            Node(h, Pressure).SetValue(Variant.From(100.0 + round), DateTime.UtcNow);
            Node(h, Count).SetValue(Variant.From(round), DateTime.UtcNow);
            var before = h.Channel.Sent.Count;
            clock = clock.AddMilliseconds(150);
            if (requestParkedBeforeTheCycle)
            {
                // The request waits at the server; the engine's cycle finds both subscriptions due and answers one.
                Assert.Null(h.Send(new PublishRequest()));
                h.Engine.RunAt(clock);
            }
            else
            {
                // Both subscriptions are late (no request at their cycle); the request that comes answers one.
                h.Engine.RunAt(clock);
                Assert.Null(h.Send(new PublishRequest()));
            }

            var answers = h.Channel.Sent.Skip(before).Select(s => s.Response).OfType<PublishResponse>().ToList();
            answeredFor.Add(Assert.Single(answers).SubscriptionId);
        }

        Assert.Equal(3, answeredFor.Count(id => id == first));
        Assert.Equal(3, answeredFor.Count(id => id == second));
        Assert.All(answeredFor.Zip(answeredFor.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
    }
}
