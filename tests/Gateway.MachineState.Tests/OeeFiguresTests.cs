namespace Gateway.MachineState.Tests;

public sealed class OeeFiguresTests
{
    private static ShiftTotals Totals(double run, double idle, double alarm, double plannedStop, double offline, long total, long good, double ideal)
    {
        var totals = new ShiftTotals("day", DateTime.UnixEpoch, DateTime.UnixEpoch.AddHours(8));
        totals.AddTime(MachineStateKind.Running, "", run);
        totals.AddTime(MachineStateKind.Idle, "", idle);
        totals.AddTime(MachineStateKind.Alarm, "1003 SPINDLE OVERHEAT", alarm);
        totals.AddTime(MachineStateKind.PlannedStop, "", plannedStop);
        totals.AddTime(MachineStateKind.Offline, "", offline);
        totals.TotalCount = total;
        totals.GoodCount = good;
        totals.IdealSeconds = ideal;
        return totals;
    }

    [Fact]
    public void Iso_22400_factors_from_the_state_times_and_counts()
    {
        // 8 h shift: 6 h running, 1 h idle, 0.5 h alarm, 0.5 h planned stop; 300 parts at an ideal 60 s, 291 good.
        var figures = Totals(6 * 3600, 3600, 1800, 1800, 0, 300, 291, 300 * 60).Figures(offlineIsDowntime: false);
        Assert.Equal(7.5 * 3600, figures.PlannedBusySeconds, 6);
        Assert.Equal(6.0 / 7.5, figures.Availability!.Value, 9);
        Assert.Equal(5.0 / 6.0, figures.Performance!.Value, 9);
        Assert.Equal(291.0 / 300, figures.Quality!.Value, 9);
        Assert.Equal(6.0 / 7.5 * (5.0 / 6.0) * (291.0 / 300), figures.Oee!.Value, 9);
    }

    [Fact]
    public void Offline_time_is_left_out_of_availability_unless_configured_as_downtime()
    {
        var totals = Totals(3600, 0, 0, 0, 3600, 60, 60, 3600);
        Assert.Equal(1.0, totals.Figures(offlineIsDowntime: false).Availability!.Value, 9);
        Assert.Equal(0.5, totals.Figures(offlineIsDowntime: true).Availability!.Value, 9);
    }

    [Fact]
    public void Nothing_to_measure_is_null_not_zero_and_no_run_time_is_zero_oee()
    {
        var empty = new ShiftTotals("day", DateTime.UnixEpoch, DateTime.UnixEpoch.AddHours(8)).Figures(false);
        Assert.Null(empty.Availability);
        Assert.Null(empty.Oee);
        var idle = Totals(0, 3600, 0, 0, 0, 0, 0, 0).Figures(false);
        Assert.Equal(0, idle.Availability);
        Assert.Null(idle.Performance);
        Assert.Equal(0, idle.Oee);
    }

    [Fact]
    public void Top_alarms_are_sorted_by_downtime()
    {
        var totals = new ShiftTotals("day", DateTime.UnixEpoch, DateTime.UnixEpoch.AddHours(8));
        totals.AddTime(MachineStateKind.Alarm, "A", 10);
        totals.AddTime(MachineStateKind.Alarm, "B", 30);
        totals.AddTime(MachineStateKind.Alarm, "A", 25);
        totals.AddEvent(MachineStateKind.Alarm, "A");
        totals.AddEvent(MachineStateKind.Alarm, "A");
        var top = totals.TopAlarms(1);
        Assert.Equal("A", Assert.Single(top).Key);
        Assert.Equal(35, top[0].Value.Seconds);
        Assert.Equal(2, top[0].Value.Events);
    }
}
