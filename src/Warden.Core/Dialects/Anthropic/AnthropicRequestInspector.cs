using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Reads the routing facts of a Messages (or count_tokens) body in one forward pass with <see cref="Utf8JsonReader"/>,
/// validating the whole document: model, stream and max_tokens. max_tokens is not required here (count_tokens
/// bodies have none); the full decoder requires it for /v1/messages.
/// </summary>
internal static class AnthropicRequestInspector
{
    public static bool TryInspect(ReadOnlySpan<byte> body, out RequestFacts facts, out RequestParseError? error)
    {
        facts = null!;
        long? maxOutputTokens = null;
        if (!RequestBodyScan.TryScan(body, AnthropicJson.MaxDepth, ref maxOutputTokens, ReadMember, out string model, out bool stream, out error))
        {
            return false;
        }

        facts = new RequestFacts(model, stream, maxOutputTokens, null);
        return true;
    }

    private static void ReadMember(ref Utf8JsonReader reader, ref long? maxOutputTokens)
    {
        if (reader.ValueTextEquals("max_tokens"u8))
        {
            maxOutputTokens = reader.ReadOptionalInt64();
        }
        else
        {
            reader.SkipPropertyValue();
        }
    }
}
