using System.Text.Json;
using Warden.Core.Chat;
using Warden.Core.Json;

namespace Warden.Core.Providers.OpenAI;

/// <summary>
/// Reads identity and usage from Chat Completions JSON (a whole response or one stream chunk) in one
/// forward pass, skipping content without materialising it.
/// </summary>
/// <remarks>
/// Usage mapping for OpenAI-compatible vendors (canonical meaning in <see cref="Usage"/>):
/// <code>
/// canonical        wire field                                             vendors
/// InputTokens      usage.prompt_tokens (cached tokens are inside it)      all
/// OutputTokens     usage.completion_tokens (reasoning inside it)          all
/// CacheReadTokens  usage.prompt_tokens_details.cached_tokens              OpenAI, Qwen, GLM, vLLM
///                  usage.prompt_cache_hit_tokens                          DeepSeek
///                  usage.cached_tokens                                    Moonshot
/// CacheWriteTokens (not reported by OpenAI-compatible APIs: stays null)
/// ReasoningTokens  usage.completion_tokens_details.reasoning_tokens       OpenAI, DeepSeek, Qwen
/// </code>
/// </remarks>
public static class ChatResponseReader
{
    /// <summary>Reads the facts of one response or chunk.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="facts">What was found.</param>
    /// <param name="identity">
    /// Whether to materialise <c>id</c> and <c>model</c>: a stream's relay needs them from its first chunk only, and
    /// every later chunk would allocate both strings again.
    /// </param>
    public static bool TryRead(ReadOnlySpan<byte> json, out ChatResponseFacts facts, bool identity = true)
    {
        facts = default;
        var reader = new Utf8JsonReader(json);
        string? id = null;
        string? model = null;
        Usage? usage = null;
        bool hasChoices = false;
        bool isError = false;
        bool hasFinish = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!identity && (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("model"u8)))
                {
                    reader.SkipPropertyValue();
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    id = reader.ReadOptionalString();
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    model = reader.ReadOptionalString();
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    usage = reader.TokenType == JsonTokenType.StartObject ? ReadUsage(ref reader) : SkipValue(ref reader);
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        // Utf8JsonReader is a struct: a copy peeks at the first element without moving the original.
                        var peek = reader;
                        hasChoices = peek.Read() && peek.TokenType != JsonTokenType.EndArray;
                        hasFinish = HasFinishReason(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    isError = reader.TokenType == JsonTokenType.StartObject;
                    reader.Skip();
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            // Validates that nothing but whitespace follows the object.
            reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8. Either way the body is not valid JSON.
            return false;
        }

        facts = new ChatResponseFacts(id, model, usage, hasChoices, isError, hasFinish);
        return true;
    }

    /// <summary>
    /// From the start of <c>choices</c> to its end: whether any choice has a string <c>finish_reason</c>. The relay keeps
    /// reading a finished stream's usage after its client leaves (docs/billing.md, "Disconnect policy").
    /// </summary>
    private static bool HasFinishReason(ref Utf8JsonReader reader)
    {
        bool finished = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    finished |= reader.TokenType == JsonTokenType.String;
                    reader.Skip();
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }
        }

        return finished;
    }

    private static Usage? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    internal static Usage ReadUsage(ref Utf8JsonReader reader)
    {
        long? prompt = null, completion = null, cachedDetail = null, cacheHit = null, cachedTop = null, reasoning = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = reader.ReadOptionalInt64();
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = reader.ReadOptionalInt64();
            }
            else if (reader.ValueTextEquals("prompt_cache_hit_tokens"u8))
            {
                cacheHit = reader.ReadOptionalInt64();
            }
            else if (reader.ValueTextEquals("cached_tokens"u8))
            {
                cachedTop = reader.ReadOptionalInt64();
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cachedDetail = ReadNestedInteger(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = ReadNestedInteger(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }

        return new Usage(prompt, completion, cachedDetail ?? cacheHit ?? cachedTop, null, reasoning, UsageSource.Reported);
    }

    private static long? ReadNestedInteger(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = reader.ReadOptionalInt64();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }

        return value;
    }
}
