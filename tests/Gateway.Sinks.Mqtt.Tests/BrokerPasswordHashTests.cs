using System.Text;

namespace Gateway.Sinks.Mqtt.Tests;

public sealed class BrokerPasswordHashTests
{
    [Fact]
    public void AHash_VerifiesItsPassword_AndNoOther_AfterARoundTripThroughItsText()
    {
        var text = BrokerPasswordHash.Create("s3cret pass", BrokerPasswordHash.MinimumIterations).ToString();

        Assert.Matches(@"^\$pbkdf2-sha256\$i=10000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", text);
        Assert.True(BrokerPasswordHash.TryParse(text, out var hash, out var problem), problem);
        Assert.True(hash.Verify(Encoding.UTF8.GetBytes("s3cret pass")));
        Assert.False(hash.Verify(Encoding.UTF8.GetBytes("s3cret pasS")));
        Assert.False(hash.Verify([]));
        Assert.Equal(text, hash.ToString());
    }

    [Fact]
    public void TwoHashesOfOnePassword_DifferByTheirSalt()
    {
        Assert.NotEqual(
            BrokerPasswordHash.Create("same", BrokerPasswordHash.MinimumIterations).ToString(),
            BrokerPasswordHash.Create("same", BrokerPasswordHash.MinimumIterations).ToString());
    }

    [Fact]
    public void AHashMadeByAnotherImplementation_Verifies()
    {
        // Made with Python: hashlib.pbkdf2_hmac('sha256', 'pässwort'.encode(), b'saltsaltsaltsalt', 10000, 32), base64 without '='.
        const string Text = "$pbkdf2-sha256$i=10000$c2FsdHNhbHRzYWx0c2FsdA$DS5myazr8yebASjIrNjtIzV/z5/iMLnA57qh9nFu3Nc";

        Assert.True(BrokerPasswordHash.TryParse(Text, out var hash, out var problem), problem);
        Assert.True(hash.Verify(Encoding.UTF8.GetBytes("pässwort")));
        Assert.False(hash.Verify(Encoding.UTF8.GetBytes("passwort")));
    }

    [Theory]
    [InlineData("", "not a password hash")]
    [InlineData("plain-password", "not a password hash")]
    [InlineData("$pbkdf2-sha256$i=600000$abc", "malformed")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdA", "fewer than 10000")]
    [InlineData("$pbkdf2-sha256$i=600000$!!!$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdA", "base64")]
    public void AMalformedHash_IsRefusedWithTheReason(string text, string reason)
    {
        Assert.False(BrokerPasswordHash.TryParse(text, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }
}
