using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Testing;

namespace Gateway.Console.Tests;

/// <summary>
/// Debian's Firefox ESR, headless, driven over WebDriver BiDi (W3C WebDriver BiDi: session.new, browsingContext.*,
/// script.evaluate), which Firefox serves itself on <c>--remote-debugging-port</c>. Debian has no geckodriver
/// package, so this talks the protocol directly: a command is a JSON object with an id, its answer carries the same id.
/// </summary>
public sealed class FirefoxBiDi : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _output = new();
    private Task _reader = Task.CompletedTask;
    private long _nextId;

    private FirefoxBiDi(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The top-level browsing context (the one tab).</summary>
    public string Context { get; private set; } = "";

    /// <summary>What Firefox printed (for a failing test's output).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<FirefoxBiDi> StartAsync(string language = "en-US")
    {
        var profile = Directory.CreateTempSubdirectory("gateway-firefox-").FullName;
        // Quiet, offline, and the page language the test wants (the console picks it from the browser's languages).
        File.WriteAllText(Path.Combine(profile, "user.js"), $$"""
            user_pref("intl.accept_languages", "{{language}}");
            user_pref("app.update.enabled", false);
            user_pref("browser.shell.checkDefaultBrowser", false);
            user_pref("datareporting.policy.dataSubmissionEnabled", false);
            user_pref("toolkit.telemetry.enabled", false);
            user_pref("network.captive-portal-service.enabled", false);
            user_pref("network.connectivity-service.enabled", false);
            """);
        var port = FreePort.Next();
        var start = new ProcessStartInfo("firefox-esr")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--width", "1400", "--height", "1000", "about:blank" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MOZ_HEADLESS"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("firefox-esr did not start (apt-get install firefox-esr)");
        var browser = new FirefoxBiDi(process, profile);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (browser._output)
            {
                browser._output.AppendLine(line);
            }

            if (line.Contains("WebDriver BiDi listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await browser._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/session"), CancellationToken.None);
            browser._reader = browser.ReadAsync();
            // The TLS console of the tests presents a certificate the tests made themselves (WebDriver: acceptInsecureCerts).
            await browser.SendAsync("session.new", new JsonObject
            {
                ["capabilities"] = new JsonObject { ["alwaysMatch"] = new JsonObject { ["acceptInsecureCerts"] = true } },
            });
            var tree = await browser.SendAsync("browsingContext.getTree", new JsonObject());
            browser.Context = tree.GetProperty("contexts")[0].GetProperty("context").GetString()!;
            return browser;
        }
        catch (Exception error)
        {
            var output = browser.Output;
            await browser.DisposeAsync();
            throw new InvalidOperationException($"Firefox over WebDriver BiDi did not start: {error.Message}\n{output}", error);
        }
    }

    public async Task NavigateAsync(string url) =>
        await SendAsync("browsingContext.navigate", new JsonObject { ["context"] = Context, ["url"] = url, ["wait"] = "complete" });

    /// <summary>Runs a JavaScript expression in the page (a promise is awaited) and returns its value as JSON text.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("script.evaluate", new JsonObject
        {
            ["expression"] = $"(async () => JSON.stringify(await ({expression})))()",
            ["target"] = new JsonObject { ["context"] = Context },
            ["awaitPromise"] = true,
        });
        if (result.GetProperty("type").GetString() != "success")
        {
            throw new InvalidOperationException($"the page threw: {result.GetProperty("exceptionDetails").GetProperty("text").GetString()}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var text) && text.GetString() is { } json
            ? JsonDocument.Parse(json).RootElement.Clone()
            : default;
    }

    public async Task ScreenshotAsync(string path)
    {
        var shot = await SendAsync("browsingContext.captureScreenshot", new JsonObject { ["context"] = Context });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        return await answer.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                var root = document.RootElement;
                // Events (type "event") carry no id; this client subscribes to none.
                if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.Number
                    || !_pending.TryRemove(idElement.GetInt64(), out var answer))
                {
                    continue;
                }

                if (root.GetProperty("type").GetString() == "success")
                {
                    answer.TrySetResult(root.GetProperty("result").Clone());
                }
                else
                {
                    answer.TrySetException(new InvalidOperationException(
                        $"WebDriver BiDi error {root.GetProperty("error").GetString()}: {root.GetProperty("message").GetString()}"));
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException)
        {
        }

        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(new InvalidOperationException("Firefox closed its WebDriver BiDi connection"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await SendAsync("browser.close", new JsonObject()).WaitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or OperationCanceledException or WebSocketException or TimeoutException)
        {
            // Closing a browser that already went: nothing to do.
        }

        await _stop.CancelAsync();
        await _reader.ConfigureAwait(false);
        _socket.Dispose();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Firefox may still hold a lock file for a moment; the temp folder is cleaned by the system.
        }
    }
}
