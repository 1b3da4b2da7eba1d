using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Reads Anthropic content blocks (of requests and of answers) into canonical blocks. Known fields map; other fields
/// of a known block become extensions "anthropic.&lt;field&gt;" (cache_control, citations, …); unknown block types
/// become <see cref="UnknownBlock"/>s with their raw JSON.
/// </summary>
internal static class AnthropicContentReader
{
    private const string Prefix = "anthropic.";

    /// <summary>Reads a content value (string or array) at <paramref name="path"/>.</summary>
    public static bool TryReadContent(JsonElement content, string path, bool fromClient, out List<ContentBlock> blocks, out bool wasString, out RequestParseError? error)
    {
        blocks = [];
        wasString = false;
        error = null;
        if (content.ValueKind == JsonValueKind.String)
        {
            wasString = true;
            blocks.Add(new TextBlock(content.GetString()!));
            return true;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            error = new RequestParseError($"{path}: Input should be a valid string or a list of content blocks.", path);
            return false;
        }

        int i = 0;
        foreach (var item in content.EnumerateArray())
        {
            if (!TryReadBlock(item, $"{path}.{i}", fromClient, out var block, out error))
            {
                return false;
            }

            blocks.Add(block);
            i++;
        }

        return true;
    }

    public static bool TryReadBlock(JsonElement item, string path, bool fromClient, out ContentBlock block, out RequestParseError? error)
    {
        block = null!;
        error = null;
        if (item.ValueKind != JsonValueKind.Object || AnthropicJson.GetString(item, "type") is not { } type)
        {
            error = new RequestParseError($"{path}: each content block must be an object with a string 'type'.", path + ".type");
            return false;
        }

        switch (type)
        {
            case "text":
                if (AnthropicJson.GetString(item, "text") is not { } text)
                {
                    error = new RequestParseError($"{path}.text: Field required.", path + ".text");
                    return false;
                }

                block = new TextBlock(text) { Extensions = ExtraFields(item, "type", "text") };
                return true;
            case "image" when TryReadSource(item, out var mediaType, out var data, out var url, out bool isText) && !isText:
                block = new ImageBlock(mediaType, data, url) { Extensions = ExtraFields(item, "type", "source") };
                return true;
            case "document" when TryReadSource(item, out var mediaType, out var data, out var url, out _):
                block = new DocumentBlock(mediaType, data, url, AnthropicJson.GetString(item, "title")) { Extensions = ExtraFields(item, "type", "source", "title") };
                return true;
            case "tool_use":
                return TryReadToolUse(item, path, out block, out error);
            case "tool_result":
                return TryReadToolResult(item, path, fromClient, out block, out error);
            case "thinking":
                block = ReadThinking(item, fromClient);
                return true;
            case "redacted_thinking" when AnthropicJson.GetString(item, "data") is { } redacted:
                block = new ReasoningBlock(null, null, null, redacted, null, WireDialectName.Anthropic) { Extensions = ExtraFields(item, "type", "data") };
                return true;
            default:
                block = new UnknownBlock(WireDialectName.Anthropic, type, item);
                return true;
        }
    }

    private static bool TryReadToolUse(JsonElement item, string path, out ContentBlock block, out RequestParseError? error)
    {
        block = null!;
        error = null;
        string? id = AnthropicJson.GetString(item, "id");
        string? name = AnthropicJson.GetString(item, "name");
        if (id is null || name is null)
        {
            string field = id is null ? ".id" : ".name";
            error = new RequestParseError($"{path}{field}: Field required.", path + field);
            return false;
        }

        string arguments = item.TryGetProperty("input"u8, out var input) ? input.GetRawText() : "{}";
        block = new ToolCallBlock(id, name, arguments) { Extensions = ExtraFields(item, "type", "id", "name", "input") };
        return true;
    }

    private static bool TryReadToolResult(JsonElement item, string path, bool fromClient, out ContentBlock block, out RequestParseError? error)
    {
        block = null!;
        error = null;
        if (AnthropicJson.GetString(item, "tool_use_id") is not { } callId)
        {
            error = new RequestParseError($"{path}.tool_use_id: Field required.", path + ".tool_use_id");
            return false;
        }

        List<ContentBlock> content = [];
        bool wasString = false;
        if (item.TryGetProperty("content"u8, out var value) && value.ValueKind != JsonValueKind.Null
            && !TryReadContent(value, path + ".content", fromClient, out content, out wasString, out error))
        {
            return false;
        }

        bool isError = item.TryGetProperty("is_error"u8, out var flag) && flag.ValueKind == JsonValueKind.True;
        var result = new ToolResultBlock(callId, null, content, isError, wasString) { Extensions = ExtraFields(item, "type", "tool_use_id", "content", "is_error") };
        if (flag.ValueKind == JsonValueKind.False)
        {
            AnthropicShapeHints.Add(result, AnthropicShape.ExplicitIsErrorFalse);
        }

        block = result;
        return true;
    }

    private static ReasoningBlock ReadThinking(JsonElement item, bool fromClient)
    {
        string? text = AnthropicJson.GetString(item, "thinking");
        string? signature = AnthropicJson.GetString(item, "signature");
        var extensions = ExtraFields(item, "type", "thinking", "signature");

        // A signature Warden wrapped earlier carries another provider's reasoning: give that provider its own bytes back.
        if (fromClient && ReasoningEnvelope.TryUnwrap(signature, text, out var foreign))
        {
            return foreign with { Extensions = extensions };
        }

        return new ReasoningBlock(text, signature, null, null, null, WireDialectName.Anthropic) { Extensions = extensions };
    }

    /// <summary>
    /// Reads a source: base64 {media_type, data}, url {url}, or text {media_type, data} (documents only; the text is
    /// kept as base64 UTF-8 so <see cref="DocumentBlock.Data"/> is base64 in every case). False for other sources.
    /// </summary>
    private static bool TryReadSource(JsonElement item, out string? mediaType, out string? data, out string? url, out bool isText)
    {
        mediaType = data = url = null;
        isText = false;
        if (!item.TryGetProperty("source"u8, out var source) || source.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        switch (AnthropicJson.GetString(source, "type"))
        {
            case "base64":
                mediaType = AnthropicJson.GetString(source, "media_type");
                data = AnthropicJson.GetString(source, "data");
                return data is not null && OnlyFields(source, "type", "media_type", "data");
            case "url":
                url = AnthropicJson.GetString(source, "url");
                return url is not null && OnlyFields(source, "type", "url");
            case "text":
                isText = true;
                mediaType = AnthropicJson.GetString(source, "media_type") ?? "text/plain";
                string? text = AnthropicJson.GetString(source, "data");
                data = text is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
                return data is not null && mediaType == "text/plain" && OnlyFields(source, "type", "media_type", "data");
            default:
                return false;
        }
    }

    private static bool OnlyFields(JsonElement obj, params ReadOnlySpan<string> known)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Fields of <paramref name="obj"/> other than <paramref name="known"/>, as "anthropic.&lt;field&gt;" extensions; null when none.</summary>
    public static Dictionary<string, JsonElement>? ExtraFields(JsonElement obj, params ReadOnlySpan<string> known)
    {
        Dictionary<string, JsonElement>? extensions = null;
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                extensions[Prefix + property.Name] = property.Value;
            }
        }

        return extensions;
    }
}
