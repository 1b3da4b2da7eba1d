using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>The shape the client wants the answer in.</summary>
public enum OutputFormatKind
{
    Text,

    /// <summary>Any JSON object (OpenAI json_object, Gemini responseMimeType application/json without a schema).</summary>
    JsonObject,

    /// <summary>JSON matching <see cref="OutputFormat.Schema"/>.</summary>
    JsonSchema,
}

/// <summary>
/// Structured output: OpenAI's response_format / text.format, Gemini's responseMimeType with responseSchema or
/// responseJsonSchema, Anthropic's output_format / output_config.format.
/// </summary>
public sealed record OutputFormat(OutputFormatKind Kind, JsonElement? Schema, string? Name, bool? Strict);
