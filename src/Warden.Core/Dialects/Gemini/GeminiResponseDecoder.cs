using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Reads a Gemini GenerateContentResponse (the first candidate) into a canonical answer: Id from responseId, Model
/// from modelVersion, parts as blocks (thought parts and thought signatures as reasoning), finishReason, usageMetadata.
/// </summary>
internal static class GeminiResponseDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> body, out CanonicalResponse response) => DecodeGuard.Run(body, TryDecodeBody, out response);

    private static bool TryDecodeBody(ReadOnlySpan<byte> body, out CanonicalResponse response)
    {
        response = null!;
        JsonElement root;
        try
        {
            root = GeminiJson.Parse(body);
        }
        catch (JsonException)
        {
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("error"u8, out _))
        {
            return false;
        }

        bool hasCandidates = root.TryGetProperty("candidates"u8, out var candidates) && candidates.ValueKind == JsonValueKind.Array;
        bool blocked = root.TryGetProperty("promptFeedback"u8, out var feedback) && GeminiJson.GetString(feedback, "blockReason") is not null;
        if (!hasCandidates && !blocked)
        {
            return false;
        }

        var blocks = new List<ContentBlock>();
        var reader = new GeminiPartReader();
        string? finishReason = null;
        if (hasCandidates && candidates.GetArrayLength() > 0)
        {
            var candidate = candidates[0];
            if (candidate.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            finishReason = GeminiJson.GetString(candidate, "finishReason");
            if (candidate.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("parts"u8, out var parts) && !reader.TryRead(parts, "candidates[0].content.parts", blocks, out _))
            {
                return false;
            }
        }

        var reason = blocked && finishReason is null ? StopReason.ContentFilter : GeminiFinishReasons.Read(finishReason, reader.SawFunctionCall);
        var usage = root.TryGetProperty("usageMetadata"u8, out var usageMetadata) ? GeminiUsage.Read(usageMetadata) : Usage.NotReported;
        response = new CanonicalResponse(GeminiJson.GetString(root, "responseId") ?? "", GeminiJson.GetString(root, "modelVersion") ?? "", blocks, reason, usage);
        return true;
    }
}
