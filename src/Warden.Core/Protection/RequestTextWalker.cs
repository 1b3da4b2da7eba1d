using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Protection;

/// <summary>
/// Every place text travels in a canonical request, in one walk shared by scanning and masking, so the two always
/// agree: system, developer, user and assistant messages; tool results (recursively); tool-call arguments (JSON);
/// documents given as text (text/* media types, title); reasoning text and summaries; unknown blocks' JSON strings;
/// tool descriptions and schemas; the output schema; the end-user identifier. Images, audio, binary documents and
/// files by URL or id are counted as not inspected. Not visited: stop sequences, tool and participant names, and
/// the dialect extension bags (metadata such as cache_control); opaque reasoning (signatures, encrypted content) is
/// the provider's own and cannot be read.
/// A visitor that rewrites gets the request changed in place: changed messages and tools are replaced by copies.
/// </summary>
/// <remarks>
/// Signed reasoning (Anthropic thinking with a signature) is masked like any text: a value in it came back from the
/// provider as a placeholder and was restored for the client, and because placeholders are stable within a
/// conversation, masking the returned text gives the provider the exact text it signed.
/// </remarks>
internal static class RequestTextWalker
{
    public static void Walk(CanonicalRequest request, RequestTextVisitor visitor)
    {
        var messages = request.Messages;
        for (int m = 0; m < messages.Count; m++)
        {
            var message = messages[m];
            var content = Blocks(message.Content, visitor);
            if (!ReferenceEquals(content, message.Content))
            {
                messages[m] = message with { Content = content };
            }
        }

        var tools = request.Tools;
        for (int t = 0; t < tools.Count; t++)
        {
            var tool = tools[t];
            string? description = tool.Description is null ? null : visitor.Text(tool.Description);
            var schema = Json(tool.InputSchema, visitor, out bool schemaChanged);
            var raw = Json(tool.Raw, visitor, out bool rawChanged);
            if (!ReferenceEquals(description, tool.Description) || schemaChanged || rawChanged)
            {
                tools[t] = tool with { Description = description, InputSchema = schema, Raw = raw };
            }
        }

        if (request.OutputFormat is { Schema: { } } format)
        {
            var schema = Json(format.Schema, visitor, out bool changed);
            if (changed)
            {
                request.OutputFormat = format with { Schema = schema };
            }
        }

        if (request.User is { } user)
        {
            request.User = visitor.Text(user);
        }
    }

    private static IReadOnlyList<ContentBlock> Blocks(IReadOnlyList<ContentBlock> blocks, RequestTextVisitor visitor)
    {
        List<ContentBlock>? changed = null;
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            var visited = Block(block, visitor);
            if (!ReferenceEquals(block, visited))
            {
                changed ??= [.. blocks];
                changed[b] = visited;
            }
        }

        return changed ?? blocks;
    }

    private static ContentBlock Block(ContentBlock block, RequestTextVisitor visitor)
    {
        switch (block)
        {
            case TextBlock text:
                {
                    string visited = visitor.Text(text.Text);
                    return ReferenceEquals(visited, text.Text) ? text : text with { Text = visited };
                }

            case ToolCallBlock call:
                {
                    string visited = JsonText(call.ArgumentsJson, visitor);
                    return ReferenceEquals(visited, call.ArgumentsJson) ? call : call with { ArgumentsJson = visited };
                }

            case ToolResultBlock result:
                {
                    var content = Blocks(result.Content, visitor);
                    return ReferenceEquals(content, result.Content) ? result : result with { Content = content };
                }

            case DocumentBlock document:
                return Document(document, visitor);
            case ReasoningBlock reasoning:
                return Reasoning(reasoning, visitor);
            case UnknownBlock unknown:
                {
                    var raw = Json(unknown.Raw, visitor, out bool changed);
                    return changed ? unknown with { Raw = raw!.Value } : unknown;
                }

            default:
                // Images, and any block type added later: not read, so counted.
                visitor.NotInspected++;
                return block;
        }
    }

    private static DocumentBlock Document(DocumentBlock document, RequestTextVisitor visitor)
    {
        string? title = document.Title is null ? null : visitor.Text(document.Title);
        string? data = document.Data;
        if (data is not null && IsTextMediaType(document.MediaType) && TryDecodeBase64Utf8(data, out string? text))
        {
            string visited = visitor.Text(text);
            if (!ReferenceEquals(visited, text))
            {
                data = Convert.ToBase64String(Encoding.UTF8.GetBytes(visited));
            }
        }
        else
        {
            visitor.NotInspected++;
        }

        return ReferenceEquals(title, document.Title) && ReferenceEquals(data, document.Data) ? document : document with { Title = title, Data = data };
    }

    private static ReasoningBlock Reasoning(ReasoningBlock reasoning, RequestTextVisitor visitor)
    {
        string? text = reasoning.Text is null ? null : visitor.Text(reasoning.Text);
        IReadOnlyList<string>? summary = reasoning.Summary;
        if (summary is not null)
        {
            string[]? changed = null;
            for (int s = 0; s < summary.Count; s++)
            {
                string visited = visitor.Text(summary[s]);
                if (!ReferenceEquals(visited, summary[s]))
                {
                    changed ??= [.. summary];
                    changed[s] = visited;
                }
            }

            summary = changed ?? summary;
        }

        return ReferenceEquals(text, reasoning.Text) && ReferenceEquals(summary, reasoning.Summary) ? reasoning : reasoning with { Text = text, Summary = summary };
    }

    private static string JsonText(string json, RequestTextVisitor visitor)
    {
        if (json.Length == 0)
        {
            return json;
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        if (!JsonTextWalker.TryVisit(utf8, visitor, out byte[]? rewritten))
        {
            // Arguments a model wrote that are not valid JSON travel as they are: read them as text. Placeholders
            // need no escaping, so they cannot break what was already broken.
            return visitor.Text(json);
        }

        return rewritten is null ? json : Encoding.UTF8.GetString(rewritten);
    }

    private static JsonElement? Json(JsonElement? element, RequestTextVisitor visitor, out bool changed)
    {
        changed = false;
        if (element is not { } value || value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False)
        {
            return element;
        }

        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(value);
        if (!JsonTextWalker.TryVisit(raw, visitor, out byte[]? rewritten) || rewritten is null)
        {
            return element;
        }

        changed = true;
        using var document = JsonDocument.Parse(rewritten);
        return document.RootElement.Clone();
    }

    private static bool IsTextMediaType(string? mediaType)
    {
        return mediaType is not null
            && (mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
                || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase));
    }

    private static bool TryDecodeBase64Utf8(string data, out string text)
    {
        text = "";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data);
        }
        catch (FormatException)
        {
            return false;
        }

        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}

