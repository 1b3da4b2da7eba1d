using System.Text.Json;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Gemini's usageMetadata in canonical terms and back. promptTokenCount includes cachedContentTokenCount;
/// candidatesTokenCount excludes thoughtsTokenCount, so canonical output = candidates + thoughts; tool-use prompt tokens
/// are input the model read, so they count as input.
/// </summary>
public static class GeminiUsage
{
    /// <summary>Reads a usageMetadata object; <see cref="Usage.NotReported"/> when it is not an object.</summary>
    public static Usage Read(JsonElement usageMetadata)
    {
        if (usageMetadata.ValueKind != JsonValueKind.Object)
        {
            return Usage.NotReported;
        }

        long? prompt = Number(usageMetadata, "promptTokenCount");
        long? toolPrompt = Number(usageMetadata, "toolUsePromptTokenCount");
        long? candidates = Number(usageMetadata, "candidatesTokenCount");
        long? thoughts = Number(usageMetadata, "thoughtsTokenCount");
        long? cached = Number(usageMetadata, "cachedContentTokenCount");
        long? input = prompt is null && toolPrompt is null ? null : (prompt ?? 0) + (toolPrompt ?? 0);
        long? output = candidates is null && thoughts is null ? null : (candidates ?? 0) + (thoughts ?? 0);
        return new Usage(input, output, cached, null, thoughts, UsageSource.Reported);
    }

    /// <summary>Writes <paramref name="usage"/> as a "usageMetadata" property (nothing when not reported).</summary>
    public static void Write(Utf8JsonWriter writer, Usage? usage)
    {
        if (usage is null || (usage.InputTokens is null && usage.OutputTokens is null))
        {
            return;
        }

        long input = usage.InputTokens ?? 0;
        long output = usage.OutputTokens ?? 0;
        long reasoning = usage.ReasoningTokens ?? 0;
        writer.WriteStartObject("usageMetadata"u8);
        writer.WriteNumber("promptTokenCount"u8, input);
        writer.WriteNumber("candidatesTokenCount"u8, Math.Max(0, output - reasoning));
        writer.WriteNumber("totalTokenCount"u8, input + output);
        if (usage.CacheReadTokens is { } cached)
        {
            writer.WriteNumber("cachedContentTokenCount"u8, cached);
        }

        if (usage.ReasoningTokens is { } thoughts)
        {
            writer.WriteNumber("thoughtsTokenCount"u8, thoughts);
        }

        writer.WriteEndObject();
    }

    private static long? Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : null;
}
