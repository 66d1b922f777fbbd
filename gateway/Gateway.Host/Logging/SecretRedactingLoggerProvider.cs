using Gateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Logging;

/// <summary>
/// Wraps a logger provider (console, systemd journal, Windows event log) so that no secret of the
/// <see cref="SecretRegistry"/> reaches it: the formatted message, every structured value (the JSON format writes them
/// too), the exception text (message, inner exceptions, stack) and scope values are masked before the provider's
/// formatter sees them. Masking before formatting matters: JSON escaping would otherwise hide a secret such as
/// <c>pa+ss</c> (written <c>pa\u002Bss</c>) from any filter on the finished line.
/// </summary>
public sealed class SecretRedactingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ILoggerProvider _inner;
    private readonly SecretRegistry _secrets;

    public SecretRedactingLoggerProvider(ILoggerProvider inner, SecretRegistry secrets)
    {
        _inner = inner;
        _secrets = secrets;
    }

    public ILogger CreateLogger(string categoryName) => new SecretRedactingLogger(_inner.CreateLogger(categoryName), _secrets);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (_inner is ISupportExternalScope scoped)
        {
            scoped.SetScopeProvider(new RedactingScopeProvider(scopeProvider, _secrets));
        }
    }

    public void Dispose() => _inner.Dispose();

    /// <summary>
    /// Replaces every <see cref="ILoggerProvider"/> registered so far by itself wrapped in a redacting provider. Call it
    /// after the last logging registration (AddSystemd and AddWindowsService add providers of their own).
    /// </summary>
    public static void WrapAll(IServiceCollection services, SecretRegistry secrets)
    {
        // Keyed providers are not what LoggerFactory enumerates (and their Implementation* properties throw).
        var providers = services.Where(d => d.ServiceType == typeof(ILoggerProvider) && !d.IsKeyedService).ToList();
        foreach (var descriptor in providers)
        {
            services.Remove(descriptor);
            if (descriptor.ImplementationInstance is ILoggerProvider instance)
            {
                services.Add(new ServiceDescriptor(typeof(ILoggerProvider), new SecretRedactingLoggerProvider(instance, secrets)));
            }
            else if (descriptor.ImplementationFactory is { } factory)
            {
                services.Add(new ServiceDescriptor(typeof(ILoggerProvider), sp => new SecretRedactingLoggerProvider((ILoggerProvider)factory(sp), secrets), descriptor.Lifetime));
            }
            else if (descriptor.ImplementationType is { } type)
            {
                // Registered under its own type, so the container still picks its constructor and disposes it.
                services.Add(new ServiceDescriptor(type, type, descriptor.Lifetime));
                services.Add(new ServiceDescriptor(typeof(ILoggerProvider), sp => new SecretRedactingLoggerProvider((ILoggerProvider)sp.GetRequiredService(type), secrets), descriptor.Lifetime));
            }
        }
    }
}

/// <summary>One category's logger: masks, then hands the entry to the wrapped logger.</summary>
internal sealed class SecretRedactingLogger : ILogger
{
    private readonly ILogger _inner;
    private readonly SecretRegistry _secrets;

    public SecretRedactingLogger(ILogger inner, SecretRegistry secrets)
    {
        _inner = inner;
        _secrets = secrets;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!_inner.IsEnabled(logLevel))
        {
            return;
        }

        if (_secrets.IsEmpty)
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        var message = _secrets.Redact(formatter(state, exception));
        var redacted = new RedactedLogState(message, RedactedLogState.RedactValues(state, _secrets));
        var redactedException = exception is null ? null : RedactedException.From(exception, _secrets);
        _inner.Log(logLevel, eventId, redacted, redactedException, static (s, _) => s.Message);
    }
}

/// <summary>The scope values the providers print (with IncludeScopes), masked like the message.</summary>
internal sealed class RedactingScopeProvider : IExternalScopeProvider
{
    private readonly IExternalScopeProvider _inner;
    private readonly SecretRegistry _secrets;

    public RedactingScopeProvider(IExternalScopeProvider inner, SecretRegistry secrets)
    {
        _inner = inner;
        _secrets = secrets;
    }

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state) =>
        _inner.ForEachScope((scope, s) => callback(RedactedLogState.RedactScope(scope, _secrets), s), state);

    public IDisposable Push(object? state) => _inner.Push(state);
}
