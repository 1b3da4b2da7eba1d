using System.Text.Json;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// The Responses usage object both ways. Responses input_tokens already include input_tokens_details.cached_tokens,
/// and output_tokens include output_tokens_details.reasoning_tokens, which is the canonical meaning, so the numbers
/// map one to one; only cache writes have no Responses field.
/// </summary>
public static class ResponsesUsage
{
    /// <summary>Reads a usage object; <see cref="Usage.NotReported"/> when absent or null.</summary>
    public static Usage Read(JsonElement? usage)
    {
        if (usage is not { ValueKind: JsonValueKind.Object } u)
        {
            return Usage.NotReported;
        }

        long? cached = u.GetMember("input_tokens_details") is { } inDetails ? inDetails.GetInt64("cached_tokens") : null;
        long? reasoning = u.GetMember("output_tokens_details") is { } outDetails ? outDetails.GetInt64("reasoning_tokens") : null;
        return new Usage(u.GetInt64("input_tokens"), u.GetInt64("output_tokens"), cached, null, reasoning, UsageSource.Reported);
    }

    /// <summary>Writes the value of a "usage" member: the object, or null when nothing was reported.</summary>
    public static void Write(Utf8JsonWriter writer, Usage? usage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (usage is null || (usage.InputTokens is null && usage.OutputTokens is null))
        {
            writer.WriteNullValue();
            return;
        }

        long input = usage.InputTokens ?? 0;
        long output = usage.OutputTokens ?? 0;
        writer.WriteStartObject();
        writer.WriteNumber("input_tokens", input);
        writer.WriteStartObject("input_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CacheReadTokens ?? 0);
        writer.WriteEndObject();
        writer.WriteNumber("output_tokens", output);
        writer.WriteStartObject("output_tokens_details");
        writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens ?? 0);
        writer.WriteEndObject();
        writer.WriteNumber("total_tokens", input + output);
        writer.WriteEndObject();
    }
}
