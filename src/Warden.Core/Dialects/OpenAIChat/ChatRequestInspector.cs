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
        error = null;
        if (body.IsEmpty)
        {
            error = new RequestParseError("The request body is empty; expected a JSON object.", null);
            return false;
        }

        // Utf8JsonReader checks UTF-8 only in strings it decodes; bytes in skipped strings would reach the upstream unchecked.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = new RequestParseError("The request body is not valid UTF-8.", null);
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth });
        string? model = null;
        bool modelWrongType = false;
        bool stream = false;
        bool? includeUsage = null;
        bool hasStreamOptions = false;
        long? maxTokens = null;
        long? maxCompletionTokens = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new RequestParseError("The request body must be a JSON object.", null);
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        model = reader.GetString();
                    }
                    else
                    {
                        modelWrongType = true;
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    hasStreamOptions = true;
                    includeUsage = ReadIncludeUsage(ref reader);
                }
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    maxTokens = reader.ReadOptionalInt64();
                }
                else if (reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    maxCompletionTokens = reader.ReadOptionalInt64();
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            // Reading past the root object makes the reader reject trailing content (a JsonException below).
            reader.Read();
        }
        catch (JsonException ex)
        {
            error = new RequestParseError(
                $"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.",
                null);
            return false;
        }

        if (modelWrongType)
        {
            error = new RequestParseError("'model' must be a string.", "model");
            return false;
        }

        if (string.IsNullOrEmpty(model))
        {
            error = new RequestParseError("'model' is required.", "model");
            return false;
        }

        info = new ChatRequestInfo(model, stream, includeUsage, hasStreamOptions, maxCompletionTokens ?? maxTokens);
        return true;
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
}
