using System.Text.Json;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Chat Completions <c>usage</c> ⇄ canonical <see cref="Usage"/>. Chat's semantics already match the canonical ones
/// (prompt_tokens includes cached tokens, completion_tokens includes reasoning), so both directions copy numbers.
/// Reading follows the vendor table of <see cref="Providers.OpenAI.ChatResponseReader"/>: cached tokens from
/// prompt_tokens_details.cached_tokens (OpenAI, Qwen, GLM, vLLM), else prompt_cache_hit_tokens (DeepSeek), else a
/// top-level cached_tokens (Moonshot). Chat APIs report no cache writes: CacheWriteTokens stays null.
/// </summary>
public static class ChatUsage
{
    public static Usage Read(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return Usage.NotReported;
        }

        long? cached = Nested(usage, "prompt_tokens_details", "cached_tokens") ?? Integer(usage, "prompt_cache_hit_tokens") ?? Integer(usage, "cached_tokens");
        return new Usage(
            Integer(usage, "prompt_tokens"),
            Integer(usage, "completion_tokens"),
            cached,
            null,
            Nested(usage, "completion_tokens_details", "reasoning_tokens"),
            UsageSource.Reported);
    }

    /// <summary>
    /// Writes <c>"usage":{prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details?, completion_tokens_details?}</c>.
    /// A number the upstream did not report is written as 0 only where Chat requires it (the three totals); the
    /// details objects appear only when known. Cache writes are inside prompt_tokens already (canonical input counts them).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, Usage usage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(usage);
        long prompt = usage.InputTokens ?? 0;
        long completion = usage.OutputTokens ?? 0;
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, prompt);
        writer.WriteNumber("completion_tokens"u8, completion);
        writer.WriteNumber("total_tokens"u8, prompt + completion);
        if (usage.CacheReadTokens is { } cached)
        {
            writer.WriteStartObject("prompt_tokens_details"u8);
            writer.WriteNumber("cached_tokens"u8, cached);
            writer.WriteEndObject();
        }

        if (usage.ReasoningTokens is { } reasoning)
        {
            writer.WriteStartObject("completion_tokens_details"u8);
            writer.WriteNumber("reasoning_tokens"u8, reasoning);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static long? Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : null;

    private static long? Nested(JsonElement element, string outer, string inner) =>
        element.TryGetProperty(outer, out var value) && value.ValueKind == JsonValueKind.Object ? Integer(value, inner) : null;
}
