using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Tests.Dialects.OpenAIChat;

/// <summary>Helpers for the Chat codec tests: request bodies out of the wire samples, and a structural JSON comparison.</summary>
internal static class ChatTestJson
{
    public static readonly string[] ChatRequestSamples =
    [
        "openai-sdk.00.json", "openai-sdk.01.json", "openai-sdk.02.json", "openai-sdk.03.json", "openai-sdk.08.json",
        "openai-sdk.09.json", "openai-sdk.10.json", "openai-sdk.11.json", "openai-sdk.12.json", "openai-sdk.13.json",
        "openai-sdk.14.json", "openai-sdk.15.json", "openai-sdk.16.json", "openai-sdk.17.json", "openai-sdk.18.json",
        "qwen-code.tool.00.json", "qwen-code.tool.01.json",
    ];

    /// <summary>The body of a recorded request (the sample holds method, path, headers and body).</summary>
    public static byte[] RequestBody(string sample)
    {
        using var document = JsonDocument.Parse(WireSample.Bytes("requests/" + sample));
        Assert.Equal("/v1/chat/completions", document.RootElement.GetProperty("path").GetString());
        return Encoding.UTF8.GetBytes(document.RootElement.GetProperty("body").GetRawText());
    }

    public static byte[] Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static CanonicalRequest Decode(string json) => Decode(Encoding.UTF8.GetBytes(json));

    public static CanonicalRequest Decode(byte[] body)
    {
        bool ok = Warden.Core.Dialects.OpenAIChat.OpenAIChatCodec.Instance.TryDecodeRequest(body, RequestContext.Empty, out var request, out var error);
        Assert.True(ok, error?.Message);
        return request;
    }

    /// <summary>
    /// Asserts two JSON values are structurally equal: same members (a member whose value is null counts as absent),
    /// same array order, numbers equal by value, strings equal byte for byte.
    /// </summary>
    public static void AssertEquivalent(JsonElement expected, JsonElement actual, string path = "$")
    {
        if (expected.ValueKind == JsonValueKind.Object && actual.ValueKind == JsonValueKind.Object)
        {
            var expectedMembers = expected.EnumerateObject().Where(m => m.Value.ValueKind != JsonValueKind.Null).ToDictionary(m => m.Name, m => m.Value);
            var actualMembers = actual.EnumerateObject().Where(m => m.Value.ValueKind != JsonValueKind.Null).ToDictionary(m => m.Name, m => m.Value);
            Assert.True(
                expectedMembers.Keys.Order().SequenceEqual(actualMembers.Keys.Order()),
                $"{path}: members differ: expected [{string.Join(",", expectedMembers.Keys.Order())}], got [{string.Join(",", actualMembers.Keys.Order())}]");
            foreach (var (name, value) in expectedMembers)
            {
                AssertEquivalent(value, actualMembers[name], path + "." + name);
            }

            return;
        }

        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind}, got {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: array lengths differ");
                for (int i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertEquivalent(expected[i], actual[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{path}: {expected} != {actual}");
                break;
            case JsonValueKind.String:
                Assert.True(expected.GetString() == actual.GetString(), $"{path}: strings differ");
                break;
        }
    }
}
