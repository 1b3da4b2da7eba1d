using System.Text.Json;
using Warden.Core.Json;

namespace Warden.Core.Providers.OpenAI;

/// <summary>The fields of an upstream's OpenAI-shaped error body.</summary>
public sealed record OpenAIErrorBody(string? Message, string? Type, string? Param, string? Code)
{
    /// <summary>Reads <c>{"error":{...}}</c>; returns null for anything else, which callers treat as an unexplained failure.</summary>
    public static OpenAIErrorBody? TryRead(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("error"u8))
                {
                    reader.SkipPropertyValue();
                    continue;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    // Some compatible servers (older vLLM) send "error": "message".
                    return new OpenAIErrorBody(reader.GetString(), null, null, null);
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                string? message = null, type = null, param = null, code = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("message"u8))
                    {
                        message = reader.ReadOptionalString();
                    }
                    else if (reader.ValueTextEquals("type"u8))
                    {
                        type = reader.ReadOptionalString();
                    }
                    else if (reader.ValueTextEquals("param"u8))
                    {
                        param = reader.ReadOptionalString();
                    }
                    else if (reader.ValueTextEquals("code"u8))
                    {
                        reader.Read();
                        code = reader.TokenType switch
                        {
                            JsonTokenType.String => reader.GetString(),
                            // The number as written: codes are identifiers, not quantities (1.5 or 1e3 must not throw).
                            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                            _ => null,
                        };
                        reader.Skip();
                    }
                    else
                    {
                        reader.SkipPropertyValue();
                    }
                }

                return new OpenAIErrorBody(message, type, param, code);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8; an unreadable body explains nothing.
        }

        return null;
    }
}
