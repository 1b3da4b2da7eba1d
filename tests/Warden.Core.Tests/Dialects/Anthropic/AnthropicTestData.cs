using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Tests.Dialects.Anthropic;

/// <summary>Reads the captured Anthropic request samples and compares JSON by structure.</summary>
internal static class AnthropicTestData
{
    /// <summary>Every captured Anthropic Messages request (path /v1/messages), by file name.</summary>
    public static TheoryData<string> MessageSamples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(WireSample.PathOf("requests")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!)
        {
            if ((file.StartsWith("claude-code.", StringComparison.Ordinal) || file.StartsWith("anthropic-sdk.", StringComparison.Ordinal) || file.StartsWith("qwen-code.", StringComparison.Ordinal))
                && PathOf(file) == "/v1/messages")
            {
                data.Add(file);
            }
        }

        return data;
    }

    public static string PathOf(string sample)
    {
        using var document = JsonDocument.Parse(WireSample.Bytes("requests/" + sample));
        return document.RootElement.GetProperty("path").GetString()!;
    }

    /// <summary>The body of a captured request, as the client sent it.</summary>
    public static byte[] Body(string sample)
    {
        using var document = JsonDocument.Parse(WireSample.Bytes("requests/" + sample));
        return Encoding.UTF8.GetBytes(document.RootElement.GetProperty("body").GetRawText());
    }

    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    public static JsonElement Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.Clone();
    }

    public static JsonElement Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>The path of the first difference between two JSON values (same properties, same values), or null.</summary>
    public static string? FirstDifference(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: {expected.ValueKind} vs {actual.ValueKind}";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var names = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                if (!names.SequenceEqual(actualNames))
                {
                    return $"{path}: members [{string.Join(",", names)}] vs [{string.Join(",", actualNames)}]";
                }

                foreach (string name in names)
                {
                    if (FirstDifference(expected.GetProperty(name), actual.GetProperty(name), path + "." + name) is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: length {expected.GetArrayLength()} vs {actual.GetArrayLength()}";
                }

                for (int i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (FirstDifference(expected[i], actual[i], $"{path}[{i}]") is { } difference)
                    {
                        return difference;
                    }
                }

                return null;
            case JsonValueKind.Number:
                return expected.GetDecimal() == actual.GetDecimal() ? null : $"{path}: {expected} vs {actual}";
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: strings differ";
            default:
                return null;
        }
    }

    /// <summary>Feeds a captured SSE sample through a stream decoder.</summary>
    public static (List<StreamEvent> Events, bool Completed) DecodeSse(IStreamDecoder decoder, byte[] sse)
    {
        var events = new List<StreamEvent>();
        using var stream = new MemoryStream(sse);
        foreach (SseItem<string> item in SseParser.Create(stream).Enumerate())
        {
            Assert.True(decoder.Decode(item.EventType, Encoding.UTF8.GetBytes(item.Data), events), $"event {item.EventType} was refused");
        }

        bool completed = decoder.Complete(events);
        return (events, completed);
    }

    /// <summary>The (event type, data JSON) pairs of SSE text.</summary>
    public static List<(string Type, JsonElement Data)> SseEvents(byte[] sse)
    {
        using var stream = new MemoryStream(sse);
        return [.. SseParser.Create(stream).Enumerate().Select(item => (item.EventType, Parse(item.Data)))];
    }

    public static byte[] Encode(IStreamEncoder encoder, IEnumerable<StreamEvent> events, bool complete = true)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var streamEvent in events)
        {
            encoder.Write(streamEvent, output);
        }

        if (complete)
        {
            encoder.Complete(output);
        }

        return output.WrittenSpan.ToArray();
    }
}
