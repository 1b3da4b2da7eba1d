using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Turns Gemini parts (of request contents, systemInstruction or an answer's candidate) into canonical blocks. One
/// instance per request or answer: it numbers function calls that came without an id ("call_&lt;name&gt;_&lt;n&gt;") and
/// matches id-less functionResponses to the earliest unanswered call of the same name.
/// </summary>
internal sealed class GeminiPartReader
{
    /// <summary>Block extension: the id was derived by Warden, so a Gemini upstream gets the call without one, as sent.</summary>
    public const string DerivedIdKey = "gemini.derivedId";

    /// <summary>Block extension on tool results: the original functionResponse.response object.</summary>
    public const string ResponseKey = "gemini.response";

    /// <summary>Prefix of block extensions holding other members of a part (videoMetadata, partMetadata…).</summary>
    public const string PartPrefix = "gemini.part.";

    /// <summary>Prefix of block extensions holding other members of a functionCall or functionResponse.</summary>
    public const string FunctionCallPrefix = "gemini.functionCall.";

    public const string FunctionResponsePrefix = "gemini.functionResponse.";

    private readonly Dictionary<string, List<string>> _unanswered = new(StringComparer.Ordinal);
    private int _callCount;

    /// <summary>True once a functionCall part was read (STOP then means the model waits for tool results).</summary>
    public bool SawFunctionCall { get; private set; }

    public bool TryRead(JsonElement parts, string path, List<ContentBlock> blocks, out RequestParseError? error)
    {
        error = null;
        if (parts.ValueKind != JsonValueKind.Array)
        {
            error = new RequestParseError($"'{path}' must be an array of parts.", path);
            return false;
        }

        int index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            if (!TryReadPart(part, $"{path}[{index}]", blocks, out error))
            {
                return false;
            }

            index++;
        }

        return true;
    }

    private bool TryReadPart(JsonElement part, string path, List<ContentBlock> blocks, out RequestParseError? error)
    {
        error = null;
        if (part.ValueKind != JsonValueKind.Object)
        {
            error = new RequestParseError($"'{path}' must be an object.", path);
            return false;
        }

        string? dataKey = null;
        foreach (var property in part.EnumerateObject())
        {
            if (property.Name is "text" or "inlineData" or "fileData" or "functionCall" or "functionResponse")
            {
                dataKey = property.Name;
                break;
            }
        }

        if (dataKey is null)
        {
            // executableCode, codeExecutionResult and any newer kind: kept whole (signature included) for a Gemini upstream.
            string type = part.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not "thought" and not "thoughtSignature") ?? "part";
            blocks.Add(new UnknownBlock(WireDialectName.Gemini, type, part));
            return true;
        }

        string? signature = GeminiJson.GetString(part, "thoughtSignature");
        bool thought = part.TryGetProperty("thought"u8, out var thoughtElement) && thoughtElement.ValueKind == JsonValueKind.True;
        Dictionary<string, JsonElement>? extensions = null;
        foreach (var property in part.EnumerateObject())
        {
            if (property.Name != dataKey && property.Name is not "thoughtSignature" && !(property.Name == "thought" && dataKey == "text"))
            {
                extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                extensions[PartPrefix + property.Name] = property.Value;
            }
        }

        var data = part.GetProperty(dataKey);
        if (dataKey == "text" && thought)
        {
            if (data.ValueKind != JsonValueKind.String)
            {
                error = new RequestParseError($"'{path}.text' must be a string.", path + ".text");
                return false;
            }

            var reasoning = ReasoningEnvelope.TryUnwrap(signature, data.GetString(), out var unwrapped)
                ? unwrapped
                : new ReasoningBlock(data.GetString(), signature, null, null, null, WireDialectName.Gemini);
            blocks.Add(reasoning with { Extensions = extensions });
            return true;
        }

        if (signature is not null)
        {
            blocks.Add(ReasoningEnvelope.TryUnwrap(signature, null, out var unwrapped)
                ? unwrapped
                : new ReasoningBlock(null, signature, null, null, null, WireDialectName.Gemini));
        }

        ContentBlock? block = dataKey switch
        {
            "text" => data.ValueKind == JsonValueKind.String ? new TextBlock(data.GetString()!) : null,
            "inlineData" => ReadMedia(part, data, GeminiJson.GetString(data, "data"), null),
            "fileData" => ReadMedia(part, data, null, GeminiJson.GetString(data, "fileUri")),
            "functionCall" => ReadFunctionCall(data),
            _ => ReadFunctionResponse(data),
        };
        if (block is null)
        {
            error = new RequestParseError($"'{path}.{dataKey}' is not a valid {dataKey} (check its type and required fields).", path + "." + dataKey);
            return false;
        }

        if (extensions is not null)
        {
            if (block.Extensions is { } own)
            {
                foreach (var pair in own)
                {
                    extensions[pair.Key] = pair.Value;
                }
            }

            block = block with { Extensions = extensions };
        }

        blocks.Add(block);
        return true;
    }

    private static ContentBlock? ReadMedia(JsonElement part, JsonElement data, string? base64, string? uri)
    {
        if (data.ValueKind != JsonValueKind.Object || (base64 is null && uri is null))
        {
            return null;
        }

        string? mimeType = GeminiJson.GetString(data, "mimeType");
        if (mimeType is not null && mimeType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return new ImageBlock(mimeType, base64, uri) { Extensions = Others(data, base64 is null ? "gemini.fileData." : "gemini.inlineData.") };
        }

        if (mimeType is not null && (mimeType.Equals("application/pdf", StringComparison.OrdinalIgnoreCase) || mimeType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)))
        {
            return new DocumentBlock(mimeType, base64, uri, GeminiJson.GetString(data, "displayName")) { Extensions = Others(data, base64 is null ? "gemini.fileData." : "gemini.inlineData.") };
        }

        // Audio, video and other media have no canonical block: kept whole for a Gemini upstream.
        return new UnknownBlock(WireDialectName.Gemini, base64 is null ? "fileData" : "inlineData", part);
    }

    private static Dictionary<string, JsonElement>? Others(JsonElement data, string prefix)
    {
        Dictionary<string, JsonElement>? others = null;
        foreach (var property in data.EnumerateObject())
        {
            if (property.Name is not "mimeType" and not "data" and not "fileUri" and not "displayName")
            {
                others ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                others[prefix + property.Name] = property.Value;
            }
        }

        return others;
    }

    private ToolCallBlock? ReadFunctionCall(JsonElement call)
    {
        string? name = GeminiJson.GetString(call, "name");
        if (name is null)
        {
            return null;
        }

        string argumentsJson = "{}";
        if (call.TryGetProperty("args"u8, out var args))
        {
            if (args.ValueKind is not JsonValueKind.Object and not JsonValueKind.Null)
            {
                return null;
            }

            argumentsJson = args.ValueKind == JsonValueKind.Object ? args.GetRawText() : "{}";
        }

        SawFunctionCall = true;
        string? id = GeminiJson.GetString(call, "id");
        Dictionary<string, JsonElement>? extensions = null;
        if (id is null)
        {
            id = DeriveId(name, _callCount);
            extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [DerivedIdKey] = GeminiJson.True };
        }

        _callCount++;
        foreach (var property in call.EnumerateObject())
        {
            if (property.Name is not "id" and not "name" and not "args")
            {
                extensions ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                extensions[FunctionCallPrefix + property.Name] = property.Value;
            }
        }

        if (!_unanswered.TryGetValue(name, out var queue))
        {
            queue = [];
            _unanswered[name] = queue;
        }

        queue.Add(id);
        return new ToolCallBlock(id, name, argumentsJson) { Extensions = extensions };
    }

    private ToolResultBlock? ReadFunctionResponse(JsonElement result)
    {
        string? name = GeminiJson.GetString(result, "name");
        if (name is null)
        {
            return null;
        }

        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? id = GeminiJson.GetString(result, "id");
        if (id is not null)
        {
            if (_unanswered.TryGetValue(name, out var pending))
            {
                pending.Remove(id);
            }
        }
        else
        {
            extensions[DerivedIdKey] = GeminiJson.True;
            if (_unanswered.TryGetValue(name, out var pending) && pending.Count > 0)
            {
                id = pending[0];
                pending.RemoveAt(0);
            }
            else
            {
                id = DeriveId(name, _callCount++);
            }
        }

        foreach (var property in result.EnumerateObject())
        {
            if (property.Name is not "id" and not "name" and not "response")
            {
                extensions[FunctionResponsePrefix + property.Name] = property.Value;
            }
        }

        string text = "";
        bool isError = false;
        bool wasString = false;
        if (result.TryGetProperty("response"u8, out var response))
        {
            extensions[ResponseKey] = response;
            if (response.ValueKind == JsonValueKind.Object && CountProperties(response) == 1
                && response.EnumerateObject().First() is { Value.ValueKind: JsonValueKind.String } only
                && only.Name is "output" or "error")
            {
                text = only.Value.GetString()!;
                isError = only.Name == "error";
                wasString = true;
            }
            else
            {
                text = response.GetRawText();
            }
        }

        return new ToolResultBlock(id, name, [new TextBlock(text)], isError, wasString) { Extensions = extensions };
    }

    private static int CountProperties(JsonElement element)
    {
        int count = 0;
        foreach (var unused in element.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    private static string DeriveId(string name, int n) => string.Create(CultureInfo.InvariantCulture, $"call_{name}_{n}");
}
