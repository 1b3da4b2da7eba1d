using System.Text.Json;
using Warden.Core.Json;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Reads routing facts from a Chat Completions body without materialising it: one forward pass with
/// <see cref="Utf8JsonReader"/>, which also validates the whole document (linear in size).
/// </summary>
public static class ChatRequestInspector
{
    /// <summary>Deepest nesting accepted; every later rewrite of a body must accept the same depth.</summary>
    public const int MaxDepth = 256;

    public static bool TryInspect(ReadOnlySpan<byte> body, out ChatRequestInfo? info, out RequestParseError? error)
    {
        info = null;
        var state = default(Members);
        if (!RequestBodyScan.TryScan(body, MaxDepth, ref state, ReadMember, out string model, out bool stream, out error))
        {
            return false;
        }

        info = new ChatRequestInfo(model, stream, state.IncludeUsage, state.HasStreamOptions, state.MaxCompletionTokens ?? state.MaxTokens);
        return true;
    }

    private static void ReadMember(ref Utf8JsonReader reader, ref Members state)
    {
        if (reader.ValueTextEquals("stream_options"u8))
        {
            reader.Read();
            state.HasStreamOptions = true;
            state.IncludeUsage = ReadIncludeUsage(ref reader);
        }
        else if (reader.ValueTextEquals("max_tokens"u8))
        {
            state.MaxTokens = reader.ReadOptionalInt64();
        }
        else if (reader.ValueTextEquals("max_completion_tokens"u8))
        {
            state.MaxCompletionTokens = reader.ReadOptionalInt64();
        }
        else
        {
            reader.SkipPropertyValue();
        }
    }

    private static bool? ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        bool? includeUsage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
            {
                includeUsage = reader.TokenType == JsonTokenType.True;
            }

            reader.Skip();
        }

        return includeUsage;
    }

    private struct Members
    {
        public bool? IncludeUsage;
        public bool HasStreamOptions;
        public long? MaxTokens;
        public long? MaxCompletionTokens;
    }
}
