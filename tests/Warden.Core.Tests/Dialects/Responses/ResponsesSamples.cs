using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Tests.Dialects.Responses;

/// <summary>Helpers for the Responses codec tests: request bodies from the captured samples, decoding, SSE and JSON comparison.</summary>
internal static class ResponsesSamples
{
    public static readonly string[] RequestSamples =
    [
        "codex.tool.00.json", "codex.tool.01.json", "codex.reasoning-tool.00.json", "codex.reasoning-tool.01.json",
        "openai-sdk.04.json", "openai-sdk.05.json", "openai-sdk.06.json",
    ];

    /// <summary>The request body of a captured request sample (the samples hold method, path, headers and body).</summary>
    public static byte[] Body(string name)
    {
        using var doc = JsonDocument.Parse(WireSample.Bytes("requests/" + name));
        return Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("body").GetRawText());
    }

    public static CanonicalRequest Decode(string name) => Decode(Body(name));

    public static CanonicalRequest Decode(byte[] body)
    {
        Assert.True(ResponsesCodec.Instance.TryDecodeRequest(body, RequestContext.Empty, out var request, out var error), error?.Message);
        return request;
    }

    public static CanonicalRequest DecodeJson(string json) => Decode(Encoding.UTF8.GetBytes(json));

    /// <summary>The events of an SSE stream: (event type, data).</summary>
    public static List<(string Type, string Data)> Events(ReadOnlySpan<byte> sse)
    {
        using var stream = new MemoryStream(sse.ToArray());
        return SseParser.Create(stream).Enumerate().Select(i => (i.EventType, i.Data)).ToList();
    }

    public static List<(string Type, string Data)> SampleEvents(string name) => Events(WireSample.Bytes(name));

    /// <summary>Decodes a whole SSE stream with the Responses stream decoder.</summary>
    public static (List<StreamEvent> Events, bool Completed) DecodeStream(ReadOnlySpan<byte> sse)
    {
        var decoder = ResponsesCodec.Instance.CreateStreamDecoder();
        var sink = new List<StreamEvent>();
        foreach (var (type, data) in Events(sse))
        {
            Assert.True(decoder.Decode(type, Encoding.UTF8.GetBytes(data), sink), type);
        }

        bool completed = decoder.Complete(sink);
        return (sink, completed);
    }

    public static byte[] EncodeStream(IStreamEncoder encoder, IEnumerable<StreamEvent> events, bool complete = true)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var e in events)
        {
            encoder.Write(e, output);
        }

        if (complete)
        {
            encoder.Complete(output);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Structural JSON equality: object members in any order, null members treated as absent, arrays in order.
    /// A message item may omit "type" (it defaults to "message"), so a missing type on an item with a role counts as "message".
    /// </summary>
    public static void AssertJsonEquivalent(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind == JsonValueKind.Object && actual.ValueKind == JsonValueKind.Object)
        {
            var e = Members(expected);
            var a = Members(actual);
            Assert.True(e.Keys.Order(StringComparer.Ordinal).SequenceEqual(a.Keys.Order(StringComparer.Ordinal)),
                $"{path}: members differ: expected [{string.Join(',', e.Keys.Order(StringComparer.Ordinal))}] got [{string.Join(',', a.Keys.Order(StringComparer.Ordinal))}]");
            foreach (var (key, value) in e)
            {
                if (value.ValueKind == JsonValueKind.Undefined)
                {
                    Assert.Equal("message", a[key].GetString());
                    continue;
                }

                if (a[key].ValueKind == JsonValueKind.Undefined)
                {
                    Assert.Equal("message", value.GetString());
                    continue;
                }

                AssertJsonEquivalent(value, a[key], path + "." + key);
            }

            return;
        }

        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind}, got {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: array lengths differ");
                int i = 0;
                foreach (var (x, y) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    AssertJsonEquivalent(x, y, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: strings differ");
                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{path}: numbers differ");
                break;
            default:
                break;
        }
    }

    private static Dictionary<string, JsonElement> Members(JsonElement element)
    {
        var members = element.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToDictionary(p => p.Name, p => p.Value);
        if (members.ContainsKey("role") && !members.ContainsKey("type"))
        {
            members["type"] = default;
        }

        return members;
    }
}
