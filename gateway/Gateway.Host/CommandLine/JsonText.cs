using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Host.CommandLine;

/// <summary>How `read`, `browse` and the other commands print JSON: UTF-8 text as itself (Korean alarm texts stay
/// readable instead of \uXXXX escapes); only what JSON requires is escaped. The output is never embedded in HTML.</summary>
public static class JsonText
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
