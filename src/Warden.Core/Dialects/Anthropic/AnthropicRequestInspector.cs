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

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = AnthropicJson.MaxDepth });
        string? model = null;
        bool modelWrongType = false;
        bool stream = false;
        long? maxTokens = null;
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
                else if (reader.ValueTextEquals("max_tokens"u8))
                {
                    maxTokens = reader.ReadOptionalInt64();
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            // Reading past the root object makes the reader reject trailing content.
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
            error = new RequestParseError("model: Input should be a valid string.", "model");
            return false;
        }

        if (string.IsNullOrEmpty(model))
        {
            error = new RequestParseError("model: Field required.", "model");
            return false;
        }

        facts = new RequestFacts(model, stream, maxTokens, null);
        return true;
    }
}
