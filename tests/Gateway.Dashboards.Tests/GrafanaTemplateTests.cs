namespace Gateway.Dashboards.Tests;

public sealed class GrafanaTemplateTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Vars = new(StringComparer.Ordinal)
    {
        ["site"] = ["changwon"],
        ["machine"] = ["cnc-01", "cnc-02"],
        ["odd"] = ["a.b", "c|d", "e/f"],
    };

    [Fact]
    public void InfluxMacrosBecomeARelativeRangeAndTheInterval()
    {
        var q = GrafanaTemplate.Expand("SELECT mean(\"x\") FROM \"m\" WHERE $timeFilter GROUP BY time($__interval)", QueryLanguage.InfluxQL, Vars);
        Assert.Equal("SELECT mean(\"x\") FROM \"m\" WHERE time >= now() - 1h GROUP BY time(10s)", q);
    }

    [Fact]
    public void MultiValueSelectionBecomesAnAlternationInsideTheRegex()
    {
        Assert.Equal("\"machine\" =~ /^(cnc-01|cnc-02)$/", GrafanaTemplate.Expand("\"machine\" =~ /^$machine$/", QueryLanguage.InfluxQL, Vars));
        Assert.Equal("\"site\" =~ /^changwon$/", GrafanaTemplate.Expand("\"site\" =~ /^$site$/", QueryLanguage.InfluxQL, Vars));
    }

    [Fact]
    public void AllThreeVariableSyntaxesExpand()
    {
        Assert.Equal("changwon changwon changwon-x", GrafanaTemplate.Expand("$site ${site} [[site]]-x", QueryLanguage.InfluxQL, Vars));
    }

    [Fact]
    public void RegexCharactersInValuesAreEscapedAsGrafanaDoes()
    {
        Assert.Equal(@"/^(a\.b|c\|d|e\/f)$/", GrafanaTemplate.Expand("/^$odd$/", QueryLanguage.InfluxQL, Vars));
        Assert.Equal(@"(a\\.b|c\\|d|e/f)", GrafanaTemplate.Expand("$odd", QueryLanguage.PromQL, Vars));
    }

    [Fact]
    public void AnUndefinedVariableIsAnErrorNamingIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => GrafanaTemplate.Expand("WHERE \"line\" =~ /^$line$/", QueryLanguage.InfluxQL, Vars));
        Assert.Contains("$line", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => GrafanaTemplate.Expand("[5m] $__rate_interval $timeFilter", QueryLanguage.PromQL, Vars));
    }

    [Fact]
    public void AnEmptySelectionIsAnError()
    {
        var empty = new Dictionary<string, IReadOnlyList<string>> { ["site"] = [] };
        Assert.Throws<InvalidOperationException>(() => GrafanaTemplate.Expand("$site", QueryLanguage.InfluxQL, empty));
    }

    [Fact]
    public void ReferencedNamesFindsEveryForm()
    {
        Assert.Equal(["site", "timeFilter", "machine", "gateway"], GrafanaTemplate.ReferencedNames("/^$site$/ AND $timeFilter ${machine:regex} [[gateway]]"));
    }

    [Fact]
    public void VariableRegexFiltersAndCapturesLikeGrafana()
    {
        Assert.Equal(["cnc", "press", "gateways"], GrafanaTemplate.FilterValues(["cnc", "gateway", "press", "gateways"], "/^(?!gateway$).+$/"));
        Assert.Equal(["01", "02"], GrafanaTemplate.FilterValues(["cnc-01", "cnc-02", "press-01"], "/^cnc-(\\d+)$/"));
        Assert.Throws<InvalidOperationException>(() => GrafanaTemplate.FilterValues(["x"], "no slashes"));
    }
}
