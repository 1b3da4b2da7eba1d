using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Writes canonical blocks as Gemini parts, for a request to a Gemini upstream or an answer to a Gemini client.
/// A Gemini reasoning block holding only a signature becomes the thoughtSignature of the next part written.
/// Reasoning of another origin is left out of requests (Gemini cannot verify it) and, in answers, carried to the
/// client in a <see cref="ReasoningEnvelope"/> as the next part's thoughtSignature, so it comes back on the next turn.
/// </summary>
internal sealed class GeminiPartWriter(bool forClient, WireDialectName origin, List<string> changes)
{
    private readonly Dictionary<string, string> _callNames = new(StringComparer.Ordinal);
    private string? _pendingSignature;

    /// <summary>Writes the parts of <paramref name="blocks"/> into the open parts array; the error names a block that cannot be written.</summary>
    public RequestParseError? WriteParts(Utf8JsonWriter writer, IReadOnlyList<ContentBlock> blocks, string path)
    {
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            string blockPath = $"{path}[{i}]";
            if (!forClient && block is not ReasoningBlock && TranslationRules.Check(block.Extensions, WireDialectName.Gemini, changes) is { } refused)
            {
                return new RequestParseError($"'{refused}' on {blockPath} cannot be expressed for a Gemini upstream.", refused);
            }

            var error = block switch
            {
                TextBlock text => WriteText(writer, text),
                ImageBlock image => WriteMedia(writer, image.MediaType, image.Data, image.Url, null, image.Extensions, blockPath),
                DocumentBlock document => WriteMedia(writer, document.MediaType, document.Data, document.Url, document.Title, document.Extensions, blockPath),
                ToolCallBlock call => WriteCall(writer, call),
                ToolResultBlock result => WriteResult(writer, result, blockPath),
                ReasoningBlock reasoning => WriteReasoning(writer, reasoning),
                UnknownBlock unknown => WriteUnknown(writer, unknown, blockPath),
                _ => new RequestParseError($"{blockPath} has a block type Gemini cannot carry.", blockPath),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="blocks"/> would produce at least one part.</summary>
    public bool HasParts(IReadOnlyList<ContentBlock> blocks) =>
        _pendingSignature is not null || blocks.Any(b => b is not ReasoningBlock r || r.Origin == WireDialectName.Gemini || forClient);

    /// <summary>Ends a content: a signature still waiting for a part goes on an empty text part (as Gemini itself sends).</summary>
    public void Flush(Utf8JsonWriter writer)
    {
        if (_pendingSignature is null)
        {
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("text"u8, "");
        WritePendingSignature(writer);
        writer.WriteEndObject();
    }

    private RequestParseError? WriteText(Utf8JsonWriter writer, TextBlock text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text.Text);
        EndPart(writer, text.Extensions);
        return null;
    }

    private RequestParseError? WriteMedia(Utf8JsonWriter writer, string? mediaType, string? data, string? url, string? title, IReadOnlyDictionary<string, JsonElement>? extensions, string path)
    {
        if (data is null && url is not null && url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = url.IndexOf(',', StringComparison.Ordinal);
            int semicolon = url.IndexOf(';', StringComparison.Ordinal);
            if (comma < 0 || semicolon < 0 || semicolon > comma || !url.AsSpan(semicolon, comma - semicolon).Equals(";base64", StringComparison.OrdinalIgnoreCase))
            {
                return new RequestParseError($"{path}: only base64 data URLs can be sent to Gemini.", path);
            }

            mediaType ??= url[5..semicolon];
            data = url[(comma + 1)..];
            url = null;
        }

        writer.WriteStartObject();
        string prefix = data is not null ? "gemini.inlineData." : "gemini.fileData.";
        writer.WriteStartObject(data is not null ? "inlineData"u8 : "fileData"u8);
        if (mediaType is not null)
        {
            writer.WriteString("mimeType"u8, mediaType);
        }

        if (data is not null)
        {
            writer.WriteString("data"u8, data);
        }
        else
        {
            writer.WriteString("fileUri"u8, url);
        }

        if (title is not null)
        {
            if (origin == WireDialectName.Gemini)
            {
                writer.WriteString("displayName"u8, title);
            }
            else
            {
                AddChange("left_out:document.title");
            }
        }

        WriteExtensions(writer, extensions, prefix);
        writer.WriteEndObject();
        EndPart(writer, extensions);
        return null;
    }

    private RequestParseError? WriteCall(Utf8JsonWriter writer, ToolCallBlock call)
    {
        _callNames[call.Id] = call.Name;
        writer.WriteStartObject();
        writer.WriteStartObject("functionCall"u8);
        if (forClient || !GeminiJson.IsFlagSet(call.Extensions, GeminiPartReader.DerivedIdKey))
        {
            writer.WriteString("id"u8, call.Id);
        }

        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("args"u8);
        GeminiJson.WriteJsonObjectText(writer, call.ArgumentsJson);
        WriteExtensions(writer, call.Extensions, GeminiPartReader.FunctionCallPrefix);
        writer.WriteEndObject();
        EndPart(writer, call.Extensions);
        return null;
    }

    private RequestParseError? WriteResult(Utf8JsonWriter writer, ToolResultBlock result, string path)
    {
        string? name = result.Name ?? _callNames.GetValueOrDefault(result.CallId);
        if (name is null)
        {
            return new RequestParseError($"{path}: the tool result for call '{result.CallId}' matches no earlier tool call, and Gemini needs the function's name.", path);
        }

        JsonElement? original = result.Extensions is not null && result.Extensions.TryGetValue(GeminiPartReader.ResponseKey, out var kept) ? kept : null;
        string? text = null;
        if (original is null)
        {
            var texts = new List<string>(result.Content.Count);
            foreach (var inner in result.Content)
            {
                if (!forClient && TranslationRules.Check(inner.Extensions, WireDialectName.Gemini, changes) is { } refused)
                {
                    return new RequestParseError($"'{refused}' inside {path} cannot be expressed for a Gemini upstream.", refused);
                }

                if (inner is not TextBlock innerText)
                {
                    return new RequestParseError($"{path}: a tool result holding {inner.GetType().Name.Replace("Block", "", StringComparison.Ordinal).ToLowerInvariant()} content cannot be sent to a Gemini upstream (functionResponse carries JSON only).", path);
                }

                texts.Add(innerText.Text);
            }

            text = string.Concat(texts);
        }

        writer.WriteStartObject();
        writer.WriteStartObject("functionResponse"u8);
        if (forClient || !GeminiJson.IsFlagSet(result.Extensions, GeminiPartReader.DerivedIdKey))
        {
            writer.WriteString("id"u8, result.CallId);
        }

        writer.WriteString("name"u8, name);
        writer.WritePropertyName("response"u8);
        if (original is { } response)
        {
            response.WriteTo(writer);
        }
        else if (result.IsError)
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, text);
            writer.WriteEndObject();
        }
        else if (IsJsonObject(text!))
        {
            writer.WriteRawValue(text!, skipInputValidation: true);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("output"u8, text);
            writer.WriteEndObject();
        }

        WriteExtensions(writer, result.Extensions, GeminiPartReader.FunctionResponsePrefix);
        writer.WriteEndObject();
        EndPart(writer, result.Extensions);
        return null;
    }

    private RequestParseError? WriteReasoning(Utf8JsonWriter writer, ReasoningBlock reasoning)
    {
        if (reasoning.Origin == WireDialectName.Gemini)
        {
            if (reasoning.Text is null)
            {
                if (reasoning.Signature is not null)
                {
                    Flush(writer);
                    _pendingSignature = reasoning.Signature;
                }

                return null;
            }

            Flush(writer);
            writer.WriteStartObject();
            writer.WriteString("text"u8, reasoning.Text);
            writer.WriteBoolean("thought"u8, true);
            if (reasoning.Signature is not null)
            {
                writer.WriteString("thoughtSignature"u8, reasoning.Signature);
            }

            WriteExtensions(writer, reasoning.Extensions, GeminiPartReader.PartPrefix);
            writer.WriteEndObject();
            return null;
        }

        if (!forClient)
        {
            AddChange("left_out:reasoning[" + reasoning.Origin + "]");
            return null;
        }

        if (reasoning.Text is not null || reasoning.Summary is { Count: > 0 })
        {
            Flush(writer);
            writer.WriteStartObject();
            writer.WriteString("text"u8, reasoning.Text ?? string.Join("\n\n", reasoning.Summary!));
            writer.WriteBoolean("thought"u8, true);
            writer.WriteEndObject();
        }

        if (reasoning.Signature is not null || reasoning.EncryptedContent is not null || reasoning.RedactedData is not null)
        {
            Flush(writer);
            _pendingSignature = ReasoningEnvelope.Wrap(reasoning);
        }

        return null;
    }

    private RequestParseError? WriteUnknown(Utf8JsonWriter writer, UnknownBlock unknown, string path)
    {
        if (unknown.Origin != WireDialectName.Gemini)
        {
            if (forClient)
            {
                // An answer part of another provider with no Gemini form (a server tool's record): the client
                // cannot act on it, and its text, if any, came as text blocks.
                return null;
            }

            return new RequestParseError($"{path} ({unknown.Type} from {unknown.Origin}) cannot be expressed for a Gemini upstream.", path);
        }

        Flush(writer);
        unknown.Raw.WriteTo(writer);
        return null;
    }

    private void EndPart(Utf8JsonWriter writer, IReadOnlyDictionary<string, JsonElement>? extensions)
    {
        WriteExtensions(writer, extensions, GeminiPartReader.PartPrefix);
        WritePendingSignature(writer);
        writer.WriteEndObject();
    }

    private void WritePendingSignature(Utf8JsonWriter writer)
    {
        if (_pendingSignature is not null)
        {
            writer.WriteString("thoughtSignature"u8, _pendingSignature);
            _pendingSignature = null;
        }
    }

    private static void WriteExtensions(Utf8JsonWriter writer, IReadOnlyDictionary<string, JsonElement>? extensions, string prefix)
    {
        if (extensions is null)
        {
            return;
        }

        foreach (var pair in extensions)
        {
            if (pair.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                writer.WritePropertyName(pair.Key.AsSpan(prefix.Length));
                pair.Value.WriteTo(writer);
            }
        }
    }

    private void AddChange(string change)
    {
        if (!changes.Contains(change))
        {
            changes.Add(change);
        }
    }

    private static bool IsJsonObject(string text)
    {
        if (text.Length == 0 || text[0] != '{')
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text, GeminiJson.DocumentOptions);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
