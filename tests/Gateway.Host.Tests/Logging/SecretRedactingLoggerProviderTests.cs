using Gateway.Configuration;
using Gateway.Host.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Tests.Logging;

/// <summary>What a log provider receives through the redacting layer: message, structured values, exception and scopes.</summary>
public sealed class SecretRedactingLoggerProviderTests
{
    // Characters that JSON escapes (+, ', <): masking must happen before any formatter sees the text.
    private const string Secret = "pa+ss'w<rd>-42";

    private readonly SecretRegistry _secrets = new();

    public SecretRedactingLoggerProviderTests() => _secrets.Add([Secret, "ab"]);

    [Fact]
    public void Message_values_and_exception_text_reach_the_provider_masked_and_other_values_keep_their_type()
    {
        var captured = new CapturingProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new SecretRedactingLoggerProvider(captured, _secrets)).SetMinimumLevel(LogLevel.Debug));
        var logger = factory.CreateLogger("test");
        var inner = new InvalidOperationException($"inner knows {Secret}");
        Exception thrown;
        try
        {
            throw new IOException($"cannot reach {Secret}:1883", inner);
        }
        catch (IOException e)
        {
            thrown = e;
        }

        logger.LogWarning(thrown, "sink {Sink} to {Endpoint} failed {Count} times", "broker", $"mqtt://{Secret}:1883", 3);

        var entry = Assert.Single(captured.Entries);
        Assert.Equal("sink broker to mqtt://***:1883 failed 3 times", entry.Message);
        Assert.Contains(entry.Values, v => v.Key == "Count" && v.Value is 3);
        Assert.Contains(entry.Values, v => v.Key == "Endpoint" && (string?)v.Value == "mqtt://***:1883");
        Assert.DoesNotContain(Secret, string.Join("|", entry.Values.Select(v => v.Value)), StringComparison.Ordinal);
        Assert.NotNull(entry.Exception);
        var exceptionText = entry.Exception!.ToString();
        Assert.DoesNotContain(Secret, exceptionText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, entry.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("System.IO.IOException: cannot reach ***:1883", exceptionText, StringComparison.Ordinal);
        Assert.Contains("inner knows ***", exceptionText, StringComparison.Ordinal);
        Assert.Contains(nameof(Message_values_and_exception_text_reach_the_provider_masked_and_other_values_keep_their_type), exceptionText, StringComparison.Ordinal);

        // "ab" is shorter than the minimum: ordinary words stay readable.
        logger.LogInformation("about {Word}", "tab");
        Assert.Equal("about tab", captured.Entries[1].Message);
    }

    [Fact]
    public void Scopes_are_masked_when_the_provider_prints_them()
    {
        var captured = new CapturingProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new SecretRedactingLoggerProvider(captured, _secrets)));
        var logger = factory.CreateLogger("test");
        using (logger.BeginScope("connection to {Host}", Secret))
        {
            logger.LogInformation("inside");
        }

        var scopes = Assert.Single(captured.Entries).Scopes;
        Assert.Equal(["connection to ***"], scopes);
    }

    [Fact]
    public void Every_registered_provider_is_wrapped_whichever_way_it_was_registered()
    {
        var captured = new CapturingProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().AddProvider(captured).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<ILoggerProvider>(_ => captured);
        services.AddSingleton<ILoggerProvider, CapturingProvider>();

        SecretRedactingLoggerProvider.WrapAll(services, _secrets);

        using var provider = services.BuildServiceProvider();
        var providers = provider.GetServices<ILoggerProvider>().ToList();
        Assert.Equal(3, providers.Count);
        Assert.All(providers, p => Assert.IsType<SecretRedactingLoggerProvider>(p));
        provider.GetRequiredService<ILoggerFactory>().CreateLogger("x").LogInformation("token {Token}", Secret);
        Assert.Equal(["token ***", "token ***"], captured.Entries.Select(e => e.Message));
    }

    private sealed record Entry(string Message, IReadOnlyList<KeyValuePair<string, object?>> Values, Exception? Exception, List<string> Scopes);

    /// <summary>A provider that keeps what it was given, as the console formatters would read it.</summary>
    private sealed class CapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public List<Entry> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
                lock (owner.Entries)
                {
                    owner.Entries.Add(new Entry(formatter(state, exception), values, exception, scopes));
                }
            }
        }
    }
}
