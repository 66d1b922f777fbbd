using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Client.Subscriptions;

/// <summary>A subscription's items by client handle: dense handles in an array, far-off ones in a dictionary; no server.</summary>
public sealed class MonitoredItemTableTests
{
    private static readonly MonitoredItemTerms Terms = new(Attributes.Value, null, MonitoringMode.Reporting, 100, 1, true, new ExtensionObject(NodeId.Null, null), 100, 1);

    private static MonitoredItem Item(uint handle, uint id) => new(handle, id, new NodeId(2, $"n{handle}"), Terms);

    [Fact]
    public void Items_numbered_from_zero_and_far_off_handles_are_each_found_replaced_and_removed_once()
    {
        var table = new MonitoredItemTable();
        table.Reserve(9, 10);
        for (uint h = 0; h < 10; h++)
        {
            table.Set(Item(h, 100 + h));
        }

        table.Set(Item(uint.MaxValue - 1, 7));
        table.Set(Item(5_000_000, 8));
        Assert.Equal(12, table.Count);
        Assert.True(table.TryGet(3, out var three));
        Assert.Equal(103u, three.MonitoredItemId);
        Assert.True(table.TryGet(uint.MaxValue - 1, out var far));
        Assert.Equal(7u, far.MonitoredItemId);
        Assert.False(table.TryGet(10, out _));
        Assert.False(table.TryGet(4_999_999, out _));

        table.Set(Item(3, 999));
        table.Set(Item(5_000_000, 998));
        Assert.Equal(12, table.Count);
        Assert.True(table.TryGet(3, out three));
        Assert.Equal(999u, three.MonitoredItemId);

        Assert.True(table.Remove(3));
        Assert.False(table.Remove(3));
        Assert.True(table.Remove(5_000_000));
        Assert.False(table.Remove(5_000_000));
        Assert.False(table.Remove(12));
        Assert.Equal(10, table.Count);
        Assert.Equal([0u, 1u, 2u, 4u, 5u, 6u, 7u, 8u, 9u, uint.MaxValue - 1], table.Values.Select(i => i.ClientHandle).Order());

        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Values);
    }

    [Fact]
    public void A_handle_kept_aside_while_far_off_is_still_one_item_when_the_array_grows_past_it()
    {
        var table = new MonitoredItemTable();
        table.Set(Item(3000, 1)); // beyond twice the items plus the floor: kept aside
        for (uint h = 0; h < 2100; h++)
        {
            table.Set(Item(h, 10 + h));
        }

        table.Set(Item(3000, 2)); // the array covers it now: replaced, not added twice
        Assert.Equal(2101, table.Count);
        Assert.True(table.TryGet(3000, out var item));
        Assert.Equal(2u, item.MonitoredItemId);
        Assert.Single(table.Values, i => i.ClientHandle == 3000);
        Assert.True(table.Remove(3000));
        Assert.False(table.TryGet(3000, out _));
        Assert.Equal(2100, table.Count);
    }
}
