using Gateway.Configuration;
using Gateway.Host.Logging;

namespace Gateway.Host.Tests.Logging;

public sealed class RedactingTextWriterTests
{
    [Fact]
    public void A_secret_written_in_pieces_is_masked_and_the_rest_passes_unchanged()
    {
        var secrets = new SecretRegistry();
        secrets.Add(["hunter2-secret"]);
        var inner = new StringWriter();
        using (var writer = new RedactingTextWriter(inner, secrets))
        {
            writer.Write("error: connect to hun");
            writer.Write("ter2-sec");
            writer.Write('r');
            writer.WriteLine("et failed");
            writer.Write("no newline at the end, hunter2-secret");
        }

        Assert.Equal($"error: connect to *** failed{Environment.NewLine}no newline at the end, ***", inner.ToString());
    }
}
