using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Decodes an upstream's non-streamed Messages answer (<c>{type:"message", content, stop_reason, usage}</c>).</summary>
internal static class AnthropicResponseDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> body, out CanonicalResponse response)
    {
        response = null!;
        if (body.IsEmpty || !System.Text.Unicode.Utf8.IsValid(body))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = AnthropicJson.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object
                || AnthropicJson.GetString(root, "type") is not (null or "message")
                || !root.TryGetProperty("content"u8, out var content) || content.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            List<ContentBlock> blocks = [];
            foreach (var item in content.EnumerateArray())
            {
                if (!AnthropicContentReader.TryReadBlock(item, "content", fromClient: false, out var block, out _))
                {
                    return false;
                }

                blocks.Add(block);
            }

            var usage = root.TryGetProperty("usage"u8, out var u) ? AnthropicUsage.Read(u).ToCanonical() : Chat.Usage.NotReported;
            response = new CanonicalResponse(
                AnthropicJson.GetString(root, "id") ?? string.Empty,
                AnthropicJson.GetString(root, "model") ?? string.Empty,
                blocks,
                AnthropicStopReasons.ToCanonical(AnthropicJson.GetString(root, "stop_reason")),
                usage)
            {
                StopSequence = AnthropicJson.GetString(root, "stop_sequence"),
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
