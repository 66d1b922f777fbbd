namespace Gateway.MachineState.Tests;

public sealed class ShiftCalendarTests
{
    private static TimeZoneInfo Zone(string id)
    {
        Assert.True(OeeOptions.TryFindZone(id, out var zone), $"time zone {id} is installed");
        return zone;
    }

    private static ShiftCalendar Seoul(ShiftCalendarOptions options) => new(options, Zone("Asia/Seoul"));

    private static DateTime Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    [Fact]
    public void A_day_shift_in_Seoul_is_nine_hours_ahead_of_utc_and_breaks_are_not_planned_time()
    {
        var calendar = Seoul(new ShiftCalendarOptions
        {
            Shifts = [new ShiftOptions { Name = "day", Start = "08:00", End = "17:00", Breaks = [new TimeWindowOptions { Start = "12:00", End = "13:00" }] }],
            PlannedStops = [new TimeWindowOptions { Name = "meeting", Start = "08:00", End = "08:10" }],
        });

        var (shift, until) = calendar.At(Utc(2026, 12, 7, 0, 30)); // 09:30 in Seoul
        Assert.NotNull(shift);
        Assert.Equal("day", shift.Name);
        Assert.Equal(Utc(2026, 12, 6, 23), shift.StartUtc);
        Assert.Equal(Utc(2026, 12, 7, 8), shift.EndUtc);
        Assert.Equal(until, shift.EndUtc);
        Assert.Equal(TimeSpan.FromMinutes((9 * 60) - 60 - 10), shift.PlannedTime);

        var (none, next) = calendar.At(Utc(2026, 12, 7, 9)); // 18:00 in Seoul
        Assert.Null(none);
        Assert.Equal(Utc(2026, 12, 7, 23), next);
    }

    [Fact]
    public void A_night_shift_crosses_midnight_and_belongs_to_the_day_it_started()
    {
        var calendar = Seoul(new ShiftCalendarOptions
        {
            Shifts = [new ShiftOptions { Name = "night", Start = "22:00", End = "06:00", Breaks = [new TimeWindowOptions { Start = "02:00", End = "02:30" }] }],
        });

        var (shift, _) = calendar.At(Utc(2026, 12, 7, 17)); // 02:00 on the 8th in Seoul
        Assert.NotNull(shift);
        Assert.Equal(new DateOnly(2026, 12, 7), shift.Day);
        Assert.Equal(Utc(2026, 12, 7, 13), shift.StartUtc);
        Assert.Equal(Utc(2026, 12, 7, 21), shift.EndUtc);
        Assert.Equal(TimeSpan.FromHours(7.5), shift.PlannedTime);
    }

    [Fact]
    public void Holidays_drop_shifts_weekdays_filter_them_and_overtime_adds_one()
    {
        var calendar = Seoul(new ShiftCalendarOptions
        {
            Shifts = [new ShiftOptions { Name = "day", Start = "08:00", End = "17:00", Days = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday] }],
            Holidays = ["2026-12-25"],
            Overtime = [new OvertimeOptions { Name = "saturday-ot", Date = "2026-12-26", Start = "09:00", End = "13:00" }],
        });

        Assert.Null(calendar.At(Utc(2026, 12, 25, 1)).Shift); // Friday, Christmas
        Assert.Equal("day", calendar.At(Utc(2026, 12, 24, 1)).Shift?.Name); // Thursday
        Assert.Equal("saturday-ot", calendar.At(Utc(2026, 12, 26, 1)).Shift?.Name);
        Assert.Null(calendar.At(Utc(2026, 12, 27, 1)).Shift); // Sunday
    }

    [Fact]
    public void Across_daylight_saving_changes_a_night_shift_lasts_what_the_wall_clock_says()
    {
        var calendar = new ShiftCalendar(
            new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "night", Start = "22:00", End = "06:00" }] },
            Zone("Europe/Berlin"));

        // 2026-03-29 02:00 the clocks go forward (CET -> CEST); 2026-10-25 03:00 they go back.
        var spring = calendar.ShiftsStartingOn(new DateOnly(2026, 3, 28)).Single();
        Assert.Equal(TimeSpan.FromHours(7), spring.EndUtc - spring.StartUtc);
        Assert.Equal(Utc(2026, 3, 28, 21), spring.StartUtc);
        var autumn = calendar.ShiftsStartingOn(new DateOnly(2026, 10, 24)).Single();
        Assert.Equal(TimeSpan.FromHours(9), autumn.EndUtc - autumn.StartUtc);
        var ordinary = calendar.ShiftsStartingOn(new DateOnly(2026, 6, 1)).Single();
        Assert.Equal(TimeSpan.FromHours(8), ordinary.EndUtc - ordinary.StartUtc);
    }

    [Fact]
    public void A_shift_starting_in_the_skipped_hour_starts_when_the_clock_jumps()
    {
        var calendar = new ShiftCalendar(
            new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "early", Start = "02:30", End = "10:00" }] },
            Zone("Europe/Berlin"));
        var shift = calendar.ShiftsStartingOn(new DateOnly(2026, 3, 29)).Single();
        Assert.Equal(Utc(2026, 3, 29, 1), shift.StartUtc); // 03:00 CEST = 01:00 UTC
        Assert.Equal(Utc(2026, 3, 29, 8), shift.EndUtc);
    }

    [Fact]
    public void Seoul_has_no_daylight_saving_so_every_night_shift_is_eight_hours()
    {
        var calendar = Seoul(new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "night", Start = "22:00", End = "06:00" }] });
        for (var day = new DateOnly(2026, 1, 1); day < new DateOnly(2027, 1, 1); day = day.AddDays(7))
        {
            var shift = calendar.ShiftsStartingOn(day).Single();
            Assert.Equal(TimeSpan.FromHours(8), shift.EndUtc - shift.StartUtc);
        }
    }

    [Fact]
    public void Problems_name_the_key_and_what_is_wrong()
    {
        var options = new ShiftCalendarOptions
        {
            Shifts = [new ShiftOptions { Name = "a", Start = "25:00", End = "06:00" }, new ShiftOptions { Name = "a", Start = "06:00", End = "06:00" }],
            Holidays = ["2026-13-01"],
        };
        var keys = options.Problems().Select(p => p.Key).ToList();
        Assert.Contains("calendar.shifts[0].start", keys);
        Assert.Contains("calendar.shifts[1].name", keys);
        Assert.Contains("calendar.shifts[1].end", keys);
        Assert.Contains("calendar.holidays[0]", keys);
    }
}
