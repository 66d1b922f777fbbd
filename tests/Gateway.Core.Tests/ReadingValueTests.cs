using Gateway.Core;

namespace Gateway.Core.Tests;

public class ReadingValueTests
{
    [Fact]
    public void Scalars_keep_their_kind_and_value()
    {
        Assert.Equal(1234.5, ReadingValue.FromDouble(1234.5).AsDouble());
        Assert.Equal(long.MinValue, ReadingValue.FromInt64(long.MinValue).AsInt64());
        Assert.True(ReadingValue.FromBoolean(true).AsBoolean());
        Assert.Equal("가공중", ReadingValue.FromString("가공중").AsString());
        Assert.True(ReadingValue.Null.IsNull);
    }

    [Fact]
    public void Asking_for_the_wrong_kind_says_what_it_is()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ReadingValue.FromInt64(3).AsDouble());
        Assert.Contains("Int64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arrays_compare_by_content()
    {
        Assert.Equal(ReadingValue.FromArray(new[] { 1.0, 2.0 }), ReadingValue.FromArray(new[] { 1.0, 2.0 }));
        Assert.NotEqual(ReadingValue.FromArray(new[] { 1.0, 2.0 }), ReadingValue.FromArray(new[] { 1.0, 3.0 }));
        Assert.NotEqual(ReadingValue.FromDouble(1), ReadingValue.FromInt64(1));
    }

    [Fact]
    public void Json_values_are_objects_or_arrays_checked_when_made()
    {
        var tool = ReadingValue.FromJson("""{"no":7,"wear":[0.5]}""");
        Assert.Equal(ValueKind.Json, tool.Kind);
        Assert.Equal("""{"no":7,"wear":[0.5]}""", tool.AsJson());
        Assert.False(tool.IsArray);
        Assert.Equal(tool, ReadingValue.FromJson("""{"no":7,"wear":[0.5]}"""));
        Assert.NotEqual(tool, ReadingValue.FromString("""{"no":7,"wear":[0.5]}"""));
        Assert.Null(tool.TryGetNumber());

        Assert.Contains("well-formed", Assert.Throws<ArgumentException>(() => ReadingValue.FromJson("{\"no\":")).Message, StringComparison.Ordinal);
        Assert.Contains("object or an array", Assert.Throws<ArgumentException>(() => ReadingValue.FromJson("42")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_for_scaling_come_from_numeric_and_boolean_values_only()
    {
        Assert.Equal(7.0, ReadingValue.FromInt64(7).TryGetNumber());
        Assert.Equal(1.0, ReadingValue.FromBoolean(true).TryGetNumber());
        Assert.Null(ReadingValue.FromString("7").TryGetNumber());
    }

    [Theory]
    [InlineData(0x00000000u, Quality.Good)]
    [InlineData(0x40000000u, Quality.Uncertain)]
    [InlineData(0x80000000u, Quality.Bad)]
    [InlineData(0x80340000u, Quality.Bad)]
    public void Quality_follows_the_status_code_severity(uint status, Quality expected) =>
        Assert.Equal(expected, QualityOf.StatusCode(status));

    [Fact]
    public void Label_sets_are_sorted_deduplicated_and_equal_by_content()
    {
        var a = LabelSet.From([new("site", "changwon"), new("line", "A"), new("line", "B")]);
        var b = LabelSet.From([new("line", "B"), new("site", "changwon")]);
        Assert.Equal(a, b);
        Assert.Equal("line", a.Pairs[0].Key);
        Assert.Equal("B", a["line"]);
        Assert.Null(a["area"]);
    }
}
