using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// The fast path for Gemini requests: one forward pass with Utf8JsonReader that validates the body and reads
/// generationConfig.maxOutputTokens; the model and the stream flag come from the URL.
/// </summary>
internal static class GeminiRequestInspector
{
    public static bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? error)
    {
        facts = null!;
        error = null;
        if (string.IsNullOrEmpty(context.ModelFromPath))
        {
            error = new RequestParseError("The model is missing from the path: call /v1beta/models/{model}:generateContent.", "model");
            return false;
        }

        if (RequestText.Check(body) is { } textError)
        {
            error = textError;
            return false;
        }

        long? maxOutputTokens = null;
        try
        {
            var reader = new Utf8JsonReader(body, GeminiJson.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new RequestParseError("The body must be a JSON object.", null);
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("generationConfig"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("maxOutputTokens"u8))
                        {
                            maxOutputTokens = reader.ReadOptionalInt64();
                        }
                        else
                        {
                            reader.SkipPropertyValue();
                        }
                    }
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            if (reader.Read())
            {
                error = new RequestParseError("The body has content after its JSON object.", null);
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = new RequestParseError($"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.", null);
            return false;
        }

        facts = new RequestFacts(context.ModelFromPath, context.StreamFromPath ?? false, maxOutputTokens, null);
        return true;
    }
}
