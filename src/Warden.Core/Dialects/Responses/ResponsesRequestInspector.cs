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
        error = null;
        if (body.IsEmpty)
        {
            error = new RequestParseError("The request body is empty; expected a JSON object.", null);
            return false;
        }

        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = new RequestParseError("The request body is not valid UTF-8.", null);
            return false;
        }

        var reader = new Utf8JsonReader(body, ResponsesJson.ReaderOptions);
        string? model = null;
        bool modelWrongType = false;
        bool stream = false;
        long? maxOutputTokens = null;
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
                else if (reader.ValueTextEquals("max_output_tokens"u8))
                {
                    maxOutputTokens = reader.ReadOptionalInt64();
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            reader.Read();
        }
        catch (JsonException ex)
        {
            error = new RequestParseError($"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.", null);
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

        facts = new RequestFacts(model, stream, maxOutputTokens, null);
        return true;
    }
}
