namespace Gateway.Buffer.Tests;

/// <summary>The buffer is a lower layer: it takes options of its own and never sees the YAML model.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void The_buffer_does_not_reference_the_configuration_model()
    {
        var references = typeof(StoreAndForwardBuffer).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Gateway.Core", references);
        Assert.DoesNotContain("Gateway.Configuration", references);
    }
}
