using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Gemini;

namespace Warden.Core.Tests.Dialects.Gemini;

/// <summary>Reads captured Gemini client requests and compares JSON by structure.</summary>
internal static class GeminiTestSupport
{
    /// <summary>A captured request's body and what its URL says (model, stream, alt=sse).</summary>
    public static (byte[] Body, RequestContext Context) Request(string name)
    {
        using var document = JsonDocument.Parse(WireSample.Bytes("requests/" + name));
        var root = document.RootElement;
        string path = root.GetProperty("path").GetString()!;
        string modelAction = path["/v1beta/models/".Length..];
        int colon = modelAction.LastIndexOf(':');
        string action = modelAction[(colon + 1)..];
        bool sse = root.GetProperty("query").TryGetProperty("alt", out var alt) && alt.GetString() == "sse";
        var context = new RequestContext(modelAction[..colon], action == "streamGenerateContent", action == "streamGenerateContent" ? sse : null);
        return (Encoding.UTF8.GetBytes(root.GetProperty("body").GetRawText()), context);
    }

    public static CanonicalRequest Decode(string name)
    {
        var (body, context) = Request(name);
        Assert.True(GeminiCodec.Instance.TryDecodeRequest(body, context, out var request, out var error), error?.Message);
        return request;
    }

    public static JsonElement Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static JsonElement Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Asserts two JSON values are equal in structure: same members (any order), same items in order, equal numbers.</summary>
    public static void Equivalent(JsonElement expected, JsonElement actual, string path = "$")
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind}, got {actual.ValueKind} ({actual.GetRawText()})");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                Assert.True(expectedNames.SequenceEqual(actualNames), $"{path}: expected members [{string.Join(",", expectedNames)}], got [{string.Join(",", actualNames)}]");
                foreach (var property in expected.EnumerateObject())
                {
                    Equivalent(property.Value, actual.GetProperty(property.Name), path + "." + property.Name);
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: expected {expected.GetArrayLength()} items, got {actual.GetArrayLength()}");
                for (int i = 0; i < expected.GetArrayLength(); i++)
                {
                    Equivalent(expected[i], actual[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\"");
                break;
            default:
                break;
        }
    }

    /// <summary>Runs SSE-sample chunks through a decoder and returns every event, Complete's included.</summary>
    public static (List<StreamEvent> Events, bool Complete) DecodeStream(IEnumerable<byte[]> chunks)
    {
        var decoder = GeminiCodec.Instance.CreateStreamDecoder();
        var events = new List<StreamEvent>();
        foreach (byte[] chunk in chunks)
        {
            Assert.True(decoder.Decode("message", chunk, events));
        }

        bool complete = decoder.Complete(events);
        return (events, complete);
    }

    /// <summary>Feeds events to an encoder, completes it, and returns the bytes written.</summary>
    public static string EncodeStream(IStreamEncoder encoder, IEnumerable<StreamEvent> events)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var streamEvent in events)
        {
            encoder.Write(streamEvent, output);
        }

        encoder.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The JSON data of each "data: …\r\n\r\n" event of an SSE text.</summary>
    public static List<JsonElement> SseChunks(string sse)
    {
        Assert.EndsWith("\r\n\r\n", sse, StringComparison.Ordinal);
        return sse.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e =>
            {
                Assert.StartsWith("data: ", e, StringComparison.Ordinal);
                return Parse(e["data: ".Length..]);
            })
            .ToList();
    }

    public static string Text(JsonElement chunk) => string.Concat(Parts(chunk).Where(p => p.TryGetProperty("text", out _) && !p.TryGetProperty("thought", out _)).Select(p => p.GetProperty("text").GetString()));

    public static IEnumerable<JsonElement> Parts(JsonElement chunk) =>
        chunk.TryGetProperty("candidates", out var candidates)
            ? candidates[0].GetProperty("content").GetProperty("parts").EnumerateArray()
            : [];
}
