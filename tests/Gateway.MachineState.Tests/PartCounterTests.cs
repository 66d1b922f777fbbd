namespace Gateway.MachineState.Tests;

public sealed class PartCounterTests
{
    [Fact]
    public void First_value_is_the_baseline_and_increments_count_the_difference()
    {
        var counter = new PartCounter(max: 0, maxStep: 1000);
        Assert.Equal(0, counter.Next(500, out var first));
        Assert.Equal(CounterChange.Baseline, first);
        Assert.Equal(3, counter.Next(503, out var up));
        Assert.Equal(CounterChange.Increment, up);
        Assert.Equal(0, counter.Next(503, out _));
    }

    [Fact]
    public void A_16_bit_counter_rolling_over_counts_the_parts_across_the_wrap()
    {
        var counter = new PartCounter(max: 65535, maxStep: 1000);
        counter.Next(65534, out _);
        Assert.Equal(3, counter.Next(1, out var change)); // 65535, 0, 1
        Assert.Equal(CounterChange.Rollover, change);
    }

    [Fact]
    public void A_reset_to_zero_is_not_a_loss_the_new_value_is_the_parts_since()
    {
        var counter = new PartCounter(max: 65535, maxStep: 1000);
        counter.Next(40_000, out _);
        Assert.Equal(2, counter.Next(2, out var change));
        Assert.Equal(CounterChange.Reset, change);
        Assert.Equal(1, counter.Next(3, out _));
    }

    [Fact]
    public void A_jump_larger_than_the_step_limit_is_a_preset_and_counts_nothing()
    {
        var counter = new PartCounter(max: 0, maxStep: 100);
        counter.Next(10, out _);
        Assert.Equal(0, counter.Next(5000, out var change));
        Assert.Equal(CounterChange.Step, change);
        Assert.Equal(1, counter.Next(5001, out _));
    }

    [Fact]
    public void A_restored_baseline_never_counts_a_part_twice()
    {
        var before = new PartCounter(0, 1000);
        before.Next(100, out _);
        before.Next(110, out _);
        var after = new PartCounter(0, 1000);
        after.Restore(before.Last);
        Assert.Equal(5, after.Next(115, out _));
    }
}
