using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Reads routing facts (model, stream, max_output_tokens) from a Responses request in one forward pass with
/// <see cref="Utf8JsonReader"/>, validating that the whole body is UTF-8 JSON with an object at the top.
/// </summary>
public static class ResponsesRequestInspector
{
    public static bool TryInspect(ReadOnlySpan<byte> body, out RequestFacts facts, out RequestParseError? error)
    {
        facts = null!;
        long? maxOutputTokens = null;
        if (!RequestBodyScan.TryScan(body, ResponsesJson.ReaderOptions.MaxDepth, ref maxOutputTokens, ReadMember, out string model, out bool stream, out error))
        {
            return false;
        }

        facts = new RequestFacts(model, stream, maxOutputTokens, null);
        return true;
    }

    private static void ReadMember(ref Utf8JsonReader reader, ref long? maxOutputTokens)
    {
        if (reader.ValueTextEquals("max_output_tokens"u8))
        {
            maxOutputTokens = reader.ReadOptionalInt64();
        }
        else
        {
            reader.SkipPropertyValue();
        }
    }
}
