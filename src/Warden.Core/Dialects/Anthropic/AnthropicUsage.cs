using System.Text.Json;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Anthropic's usage numbers as they appear on the wire, and the one mapping to and from canonical <see cref="Usage"/>.
/// Anthropic's input_tokens EXCLUDES cache reads and cache writes, so canonical input = input_tokens +
/// cache_read_input_tokens + cache_creation_input_tokens; output_tokens already includes thinking.
/// </summary>
/// <param name="InputTokens">input_tokens: uncached input only.</param>
/// <param name="CacheReadTokens">cache_read_input_tokens.</param>
/// <param name="CacheCreationTokens">cache_creation_input_tokens.</param>
/// <param name="OutputTokens">output_tokens, thinking included.</param>
internal sealed record AnthropicUsage(long? InputTokens, long? CacheReadTokens, long? CacheCreationTokens, long? OutputTokens)
{
    public static AnthropicUsage Empty { get; } = new(null, null, null, null);

    /// <summary>Reads a usage object; fields that are absent or null stay null.</summary>
    public static AnthropicUsage Read(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return Empty;
        }

        return new AnthropicUsage(
            AnthropicJson.GetInt64(usage, "input_tokens"),
            AnthropicJson.GetInt64(usage, "cache_read_input_tokens"),
            AnthropicJson.GetInt64(usage, "cache_creation_input_tokens"),
            AnthropicJson.GetInt64(usage, "output_tokens"));
    }

    /// <summary>Streams report usage cumulatively: a later report's fields replace earlier ones, absent fields keep them.</summary>
    public AnthropicUsage MergeWith(AnthropicUsage later) => new(
        later.InputTokens ?? InputTokens,
        later.CacheReadTokens ?? CacheReadTokens,
        later.CacheCreationTokens ?? CacheCreationTokens,
        later.OutputTokens ?? OutputTokens);

    public bool IsEmpty => InputTokens is null && CacheReadTokens is null && CacheCreationTokens is null && OutputTokens is null;

    /// <summary>Canonical usage: input counts cached tokens too; reasoning tokens are not reported separately.</summary>
    public Usage ToCanonical()
    {
        if (IsEmpty)
        {
            return Usage.NotReported;
        }

        long? input = InputTokens is null ? null : InputTokens + (CacheReadTokens ?? 0) + (CacheCreationTokens ?? 0);
        return new Usage(input, OutputTokens, CacheReadTokens, CacheCreationTokens, null, UsageSource.Reported);
    }

    /// <summary>Anthropic's numbers for a canonical usage: input_tokens = input − cache read − cache write, never negative.</summary>
    public static AnthropicUsage FromCanonical(Usage? usage)
    {
        if (usage is null)
        {
            return Empty;
        }

        long? input = usage.InputTokens is null
            ? null
            : Math.Max(0, usage.InputTokens.Value - (usage.CacheReadTokens ?? 0) - (usage.CacheWriteTokens ?? 0));
        return new AnthropicUsage(input, usage.CacheReadTokens, usage.CacheWriteTokens, usage.OutputTokens);
    }

    /// <summary>Writes the usage object's members: input and output always (0 when unknown), cache numbers when known.</summary>
    public void WriteMembers(Utf8JsonWriter writer)
    {
        writer.WriteNumber("input_tokens"u8, InputTokens ?? 0);
        if (CacheCreationTokens is long write)
        {
            writer.WriteNumber("cache_creation_input_tokens"u8, write);
        }

        if (CacheReadTokens is long read)
        {
            writer.WriteNumber("cache_read_input_tokens"u8, read);
        }

        writer.WriteNumber("output_tokens"u8, OutputTokens ?? 0);
    }
}
