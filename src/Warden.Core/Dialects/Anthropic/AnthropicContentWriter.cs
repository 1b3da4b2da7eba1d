using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Writes canonical content blocks as Anthropic content blocks, for an upstream request or for a client's answer.
/// The two differ only for content of another dialect: a request leaves foreign reasoning out (declared in
/// changes) and refuses foreign unknown blocks; an answer wraps foreign reasoning into the thinking signature
/// (<see cref="ReasoningEnvelope"/>) so it comes back on the next turn, and skips blocks it cannot show.
/// </summary>
internal sealed class AnthropicContentWriter(bool forRequest, ICollection<string> changes)
{
    private const string Prefix = "anthropic.";

    /// <summary>The first thing that could not be written, for a request; null when everything could.</summary>
    public RequestParseError? Refusal { get; private set; }

    public void Refuse(string message, string param) => Refusal ??= new RequestParseError(message, param);

    /// <summary>Writes a content array.</summary>
    public void WriteArray(Utf8JsonWriter writer, IEnumerable<ContentBlock> blocks, string path)
    {
        writer.WriteStartArray();
        int j = 0;
        foreach (var block in blocks)
        {
            WriteBlock(writer, block, $"{path}[{j}]");
            j++;
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes a string when the client sent one and it is still a single plain text, else an array.</summary>
    public void WriteContent(Utf8JsonWriter writer, IReadOnlyList<ContentBlock> blocks, bool wasString, string path)
    {
        if (wasString && blocks is [TextBlock { Extensions: null } only])
        {
            writer.WriteStringValue(only.Text);
        }
        else if (wasString && blocks.Count == 0)
        {
            writer.WriteStringValue(string.Empty);
        }
        else
        {
            WriteArray(writer, blocks, path);
        }
    }

    public void WriteBlock(Utf8JsonWriter writer, ContentBlock block, string path)
    {
        switch (block)
        {
            case TextBlock text:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, text.Text);
                WriteExtensions(writer, text.Extensions, path);
                writer.WriteEndObject();
                break;
            case ImageBlock image:
                WriteSourceBlock(writer, "image", image.MediaType, image.Data, image.Url, null, image.Extensions, path);
                break;
            case DocumentBlock document:
                WriteSourceBlock(writer, "document", document.MediaType, document.Data, document.Url, document.Title, document.Extensions, path);
                break;
            case ToolCallBlock call:
                WriteToolUse(writer, call, path);
                break;
            case ToolResultBlock result:
                WriteToolResult(writer, result, path);
                break;
            case ReasoningBlock reasoning:
                WriteReasoning(writer, reasoning, path);
                break;
            case UnknownBlock { Origin: WireDialectName.Anthropic } unknown:
                AnthropicJson.WriteRaw(writer, unknown.Raw);
                break;
            case UnknownBlock unknown when forRequest:
                Refuse($"{path} is a '{unknown.Type}' block of the {DialectNames.Of(unknown.Origin)} dialect, which an Anthropic upstream cannot receive.", path);
                break;
            default:
                // An answer for the client: a foreign block with no Anthropic form is not shown (there is nowhere to put it).
                break;
        }
    }

    private void WriteToolUse(Utf8JsonWriter writer, ToolCallBlock call, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_use"u8);
        writer.WriteString("id"u8, call.Id);
        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("input"u8);
        if (string.IsNullOrWhiteSpace(call.ArgumentsJson))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else if (AnthropicJson.IsValidJson(call.ArgumentsJson))
        {
            writer.WriteRawValue(call.ArgumentsJson, skipInputValidation: true);
        }
        else if (forRequest)
        {
            Refuse($"{path}: the arguments of tool call '{call.Id}' are not valid JSON, and Anthropic needs a JSON object as tool input.", path);
            writer.WriteNullValue();
        }
        else
        {
            // The model produced arguments that are not JSON: show them as they are rather than inventing an object.
            writer.WriteStringValue(call.ArgumentsJson);
        }

        WriteExtensions(writer, call.Extensions, path);
        writer.WriteEndObject();
    }

    private void WriteToolResult(Utf8JsonWriter writer, ToolResultBlock result, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result"u8);
        writer.WriteString("tool_use_id"u8, result.CallId);
        if (result.WasString || result.Content.Count > 0)
        {
            writer.WritePropertyName("content"u8);
            WriteContent(writer, result.Content, result.WasString, path + ".content");
        }

        if (result.IsError)
        {
            writer.WriteBoolean("is_error"u8, true);
        }
        else if (AnthropicShapeHints.Has(result, AnthropicShape.ExplicitIsErrorFalse))
        {
            writer.WriteBoolean("is_error"u8, false);
        }

        WriteExtensions(writer, result.Extensions, path);
        writer.WriteEndObject();
    }

    private void WriteReasoning(Utf8JsonWriter writer, ReasoningBlock reasoning, string path)
    {
        if (reasoning.Origin == WireDialectName.Anthropic)
        {
            writer.WriteStartObject();
            if (reasoning.RedactedData is not null)
            {
                writer.WriteString("type"u8, "redacted_thinking"u8);
                writer.WriteString("data"u8, reasoning.RedactedData);
            }
            else
            {
                writer.WriteString("type"u8, "thinking"u8);
                writer.WriteString("thinking"u8, reasoning.Text ?? string.Empty);
                if (reasoning.Signature is not null)
                {
                    writer.WriteString("signature"u8, reasoning.Signature);
                }
            }

            WriteExtensions(writer, reasoning.Extensions, path);
            writer.WriteEndObject();
            return;
        }

        if (forRequest)
        {
            // Another provider's reasoning carries nothing Anthropic can verify, and Anthropic refuses unsigned thinking.
            AddChange("left_out:reasoning[" + reasoning.Origin + "]");
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, "thinking"u8);
        writer.WriteString("thinking"u8, VisibleText(reasoning));
        writer.WriteString("signature"u8, ReasoningEnvelope.Wrap(reasoning));
        writer.WriteEndObject();
    }

    private static string VisibleText(ReasoningBlock reasoning) =>
        reasoning.Text ?? (reasoning.Summary is { Count: > 0 } summary ? string.Join("\n\n", summary) : string.Empty);

    private void WriteSourceBlock(Utf8JsonWriter writer, string type, string? mediaType, string? data, string? url, string? title, IReadOnlyDictionary<string, JsonElement>? extensions, string path)
    {
        if (url is not null && url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) && TrySplitDataUrl(url, out string? dataMediaType, out string? dataPart))
        {
            (mediaType, data, url) = (dataMediaType, dataPart, null);
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteStartObject("source"u8);
        if (url is not null)
        {
            writer.WriteString("type"u8, "url"u8);
            writer.WriteString("url"u8, url);
        }
        else if (data is not null && type == "document" && mediaType == "text/plain")
        {
            writer.WriteString("type"u8, "text"u8);
            writer.WriteString("media_type"u8, "text/plain"u8);
            writer.WriteString("data"u8, DecodeText(data, path));
        }
        else if (data is not null)
        {
            writer.WriteString("type"u8, "base64"u8);
            if (mediaType is not null)
            {
                writer.WriteString("media_type"u8, mediaType);
            }

            writer.WriteString("data"u8, data);
        }
        else if (forRequest)
        {
            Refuse($"{path}: the {type} has neither data nor a URL.", path);
        }

        writer.WriteEndObject();
        if (title is not null)
        {
            writer.WriteString("title"u8, title);
        }

        WriteExtensions(writer, extensions, path);
        writer.WriteEndObject();
    }

    private string DecodeText(string base64, string path)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            Refuse($"{path}: the text document's data is not base64.", path);
            return string.Empty;
        }
    }

    private static bool TrySplitDataUrl(string url, out string? mediaType, out string? data)
    {
        // data:<media type>;base64,<data>
        mediaType = data = null;
        int comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            return false;
        }

        string header = url[5..comma];
        if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        mediaType = header[..^7];
        data = url[(comma + 1)..];
        return true;
    }

    /// <summary>
    /// Writes "anthropic.*" extensions back as fields. Foreign ones are checked against <see cref="TranslationRules"/>
    /// for a request (left out with a change, or refused); an answer for the client has no use for them.
    /// </summary>
    public void WriteExtensions(Utf8JsonWriter writer, IReadOnlyDictionary<string, JsonElement>? extensions, string path)
    {
        if (extensions is null)
        {
            return;
        }

        if (forRequest && TranslationRules.Check(extensions, WireDialectName.Anthropic, changes) is { } refused)
        {
            Refuse($"{path}: '{refused}' cannot be expressed for an Anthropic upstream.", $"{path}.{refused}");
        }

        foreach (var (key, value) in extensions)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                writer.WritePropertyName(key.AsSpan(Prefix.Length));
                AnthropicJson.WriteRaw(writer, value);
            }
        }
    }

    public void AddChange(string change)
    {
        if (!changes.Contains(change))
        {
            changes.Add(change);
        }
    }
}
