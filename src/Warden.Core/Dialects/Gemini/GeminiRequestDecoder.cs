using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Decodes a Gemini <c>generateContent</c> request body into the canonical model. The model and the stream flag come
/// from the URL (<see cref="RequestContext"/>). Fields with no canonical place are kept in extensions under "gemini.…"
/// so a Gemini upstream gets them back and another dialect's encoder can leave them out by rule or refuse them.
/// </summary>
internal static class GeminiRequestDecoder
{
    /// <summary>Message extension: the role systemInstruction was sent with (Gemini CLI sends "user").</summary>
    public const string SystemRoleKey = "gemini.role";

    /// <summary>Tool extension: "parameters" or "parametersJsonSchema", the field the schema came in.</summary>
    public const string SchemaFieldKey = "gemini.schemaField";

    /// <summary>Tool / request extension: the schema named its types in upper case (OpenAPI style), converted to lower case.</summary>
    public const string UpperCaseTypesKey = "gemini.upperCaseTypes";

    /// <summary>Prefix of tool extensions holding other members of a function declaration.</summary>
    public const string DeclarationPrefix = "gemini.declaration.";

    public const string ResponseSchemaFieldKey = "gemini.responseSchemaField";

    public const string ResponseSchemaUpperCaseKey = "gemini.responseSchemaUpperCaseTypes";

    public const string ToolConfigKey = "gemini.toolConfig";

    public const string GenerationConfigPrefix = "gemini.generationConfig.";

    public const string ThinkingConfigPrefix = "gemini.thinkingConfig.";

    /// <summary>candidateCount 1 (the only count other dialects can honour) is kept apart so it may be left out by rule.</summary>
    public const string SingleCandidateKey = "gemini.candidateCount";

    public static bool TryDecode(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? error)
    {
        request = null!;
        error = null;
        if (string.IsNullOrEmpty(context.ModelFromPath))
        {
            error = new RequestParseError("The model is missing from the path: call /v1beta/models/{model}:generateContent.", "model");
            return false;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body, GeminiJson.DocumentOptions);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            error = new RequestParseError($"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.", null);
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            error = new RequestParseError("The body must be a JSON object.", null);
            return false;
        }

        request = new CanonicalRequest { Origin = WireDialectName.Gemini, Model = context.ModelFromPath, Stream = context.StreamFromPath ?? false };
        var reader = new GeminiPartReader();
        if (root.TryGetProperty("systemInstruction"u8, out var system) && !TryReadSystem(system, reader, request, out error))
        {
            return false;
        }

        foreach (var property in root.EnumerateObject())
        {
            bool ok = property.Name switch
            {
                "contents" => TryReadContents(property.Value, reader, request, out error),
                "systemInstruction" => true,
                "tools" => TryReadTools(property.Value, request, out error),
                "toolConfig" => ReadToolConfig(property.Value, request),
                "generationConfig" => TryReadGenerationConfig(property.Value, request, out error),
                _ => Keep(request, "gemini." + property.Name, property.Value),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (!root.TryGetProperty("contents"u8, out _))
        {
            error = new RequestParseError("'contents' is required.", "contents");
            return false;
        }

        return true;
    }

    private static bool Keep(CanonicalRequest request, string key, JsonElement value)
    {
        request.Extensions[key] = value;
        return true;
    }

    private static bool TryReadSystem(JsonElement system, GeminiPartReader reader, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (system.ValueKind != JsonValueKind.Object || !system.TryGetProperty("parts"u8, out var parts))
        {
            error = new RequestParseError("'systemInstruction' must be an object with 'parts'.", "systemInstruction");
            return false;
        }

        var blocks = new List<ContentBlock>();
        if (!reader.TryRead(parts, "systemInstruction.parts", blocks, out error))
        {
            return false;
        }

        Dictionary<string, JsonElement>? extensions = null;
        if (system.TryGetProperty("role"u8, out var role))
        {
            extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [SystemRoleKey] = role };
        }

        request.Messages.Add(new Message(MessageRole.System, blocks) { Extensions = extensions });
        return true;
    }

    private static bool TryReadContents(JsonElement contents, GeminiPartReader reader, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (contents.ValueKind != JsonValueKind.Array)
        {
            error = new RequestParseError("'contents' must be an array.", "contents");
            return false;
        }

        int index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            string path = $"contents[{index}]";
            if (content.ValueKind != JsonValueKind.Object)
            {
                error = new RequestParseError($"'{path}' must be an object.", path);
                return false;
            }

            string? role = GeminiJson.GetString(content, "role");
            MessageRole messageRole;
            switch (role)
            {
                case null or "user" or "function":
                    messageRole = MessageRole.User;
                    break;
                case "model":
                    messageRole = MessageRole.Assistant;
                    break;
                default:
                    error = new RequestParseError($"'{path}.role' must be \"user\" or \"model\".", path + ".role");
                    return false;
            }

            var blocks = new List<ContentBlock>();
            if (!content.TryGetProperty("parts"u8, out var parts) || !reader.TryRead(parts, path + ".parts", blocks, out error))
            {
                error ??= new RequestParseError($"'{path}.parts' is required.", path + ".parts");
                return false;
            }

            request.Messages.Add(new Message(messageRole, blocks));
            index++;
        }

        return true;
    }

    private static bool TryReadTools(JsonElement tools, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (tools.ValueKind != JsonValueKind.Array)
        {
            error = new RequestParseError("'tools' must be an array.", "tools");
            return false;
        }

        int index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object)
            {
                error = new RequestParseError($"'tools[{index}]' must be an object.", $"tools[{index}]");
                return false;
            }

            foreach (var property in tool.EnumerateObject())
            {
                if (property.Name != "functionDeclarations")
                {
                    request.Tools.Add(new ToolDefinition(property.Name, property.Name, null, null) { Raw = property.Value, Origin = WireDialectName.Gemini });
                    continue;
                }

                if (property.Value.ValueKind != JsonValueKind.Array)
                {
                    error = new RequestParseError($"'tools[{index}].functionDeclarations' must be an array.", $"tools[{index}].functionDeclarations");
                    return false;
                }

                int declarationIndex = 0;
                foreach (var declaration in property.Value.EnumerateArray())
                {
                    string path = $"tools[{index}].functionDeclarations[{declarationIndex++}]";
                    string? name = GeminiJson.GetString(declaration, "name");
                    if (name is null)
                    {
                        error = new RequestParseError($"'{path}.name' is required.", path + ".name");
                        return false;
                    }

                    request.Tools.Add(ReadDeclaration(declaration, name));
                }
            }

            index++;
        }

        return true;
    }

    private static ToolDefinition ReadDeclaration(JsonElement declaration, string name)
    {
        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonElement? schema = null;
        foreach (var member in declaration.EnumerateObject())
        {
            switch (member.Name)
            {
                case "name" or "description":
                    break;
                case "parameters" or "parametersJsonSchema":
                    extensions[SchemaFieldKey] = GeminiJson.StringElement(member.Name);
                    schema = GeminiSchemaTypes.Convert(member.Value, toUpper: false, out bool changed);
                    if (changed)
                    {
                        extensions[UpperCaseTypesKey] = GeminiJson.True;
                    }

                    break;
                default:
                    extensions[DeclarationPrefix + member.Name] = member.Value;
                    break;
            }
        }

        return new ToolDefinition(ToolDefinition.FunctionKind, name, GeminiJson.GetString(declaration, "description"), schema)
        {
            Origin = WireDialectName.Gemini,
            Extensions = extensions,
        };
    }

    private static bool ReadToolConfig(JsonElement toolConfig, CanonicalRequest request)
    {
        // Only what the canonical ToolChoice says exactly is mapped; the rest (VALIDATED, several allowed names,
        // retrievalConfig) stays whole in an extension a Gemini upstream gets back and other dialects must refuse.
        if (toolConfig.ValueKind == JsonValueKind.Object
            && toolConfig.EnumerateObject().All(p => p.Name == "functionCallingConfig")
            && toolConfig.TryGetProperty("functionCallingConfig"u8, out var config)
            && config.ValueKind == JsonValueKind.Object
            && config.EnumerateObject().All(p => p.Name is "mode" or "allowedFunctionNames"))
        {
            string? mode = GeminiJson.GetString(config, "mode");
            var names = config.TryGetProperty("allowedFunctionNames"u8, out var allowed) && allowed.ValueKind == JsonValueKind.Array
                ? allowed.EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String ? n.GetString() : null).ToList()
                : null;
            ToolChoice? choice = (mode, names?.Count) switch
            {
                ("AUTO" or null, null) => new ToolChoice(ToolChoiceMode.Auto, null),
                ("NONE", null) => new ToolChoice(ToolChoiceMode.None, null),
                ("ANY", null) => new ToolChoice(ToolChoiceMode.Required, null),
                ("ANY", 1) when names![0] is not null => new ToolChoice(ToolChoiceMode.Specific, names[0]),
                _ => null,
            };
            if (choice is not null && !(mode is null && config.TryGetProperty("mode"u8, out _)))
            {
                request.ToolChoice = choice;
                return true;
            }
        }

        request.Extensions[ToolConfigKey] = toolConfig;
        return true;
    }

    private static bool TryReadGenerationConfig(JsonElement config, CanonicalRequest request, out RequestParseError? error)
    {
        error = null;
        if (config.ValueKind != JsonValueKind.Object)
        {
            error = new RequestParseError("'generationConfig' must be an object.", "generationConfig");
            return false;
        }

        string? mimeType = null;
        JsonElement? schema = null;
        string? schemaField = null;
        foreach (var member in config.EnumerateObject())
        {
            var value = member.Value;
            string path = "generationConfig." + member.Name;
            bool ok = true;
            switch (member.Name)
            {
                case "temperature":
                    // TryGetDouble reads a number beyond a double's range (1e999999) as infinity, which no encoder can write.
                    ok = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double temperature) && double.IsFinite(temperature);
                    request.Temperature = ok ? value.GetDouble() : null;
                    break;
                case "topP":
                    ok = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double topP) && double.IsFinite(topP);
                    request.TopP = ok ? value.GetDouble() : null;
                    break;
                case "topK":
                    ok = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double topK) && topK == Math.Floor(topK) && topK is >= 0 and <= int.MaxValue;
                    request.TopK = ok ? (int)value.GetDouble() : null;
                    break;
                case "maxOutputTokens":
                    ok = value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long max);
                    request.MaxOutputTokens = ok ? value.GetInt64() : null;
                    break;
                case "stopSequences":
                    ok = value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String);
                    request.StopSequences = ok ? value.EnumerateArray().Select(s => s.GetString()!).ToList() : null;
                    break;
                case "candidateCount":
                    ok = value.ValueKind == JsonValueKind.Number;
                    request.Extensions[ok && value.TryGetInt64(out long count) && count == 1 ? SingleCandidateKey : GenerationConfigPrefix + "candidateCount"] = value;
                    break;
                case "responseMimeType":
                    ok = value.ValueKind == JsonValueKind.String;
                    mimeType = ok ? value.GetString() : null;
                    break;
                case "responseSchema" or "responseJsonSchema":
                    schema = value;
                    schemaField = member.Name;
                    break;
                case "thinkingConfig":
                    ok = TryReadThinking(value, request);
                    break;
                default:
                    request.Extensions[GenerationConfigPrefix + member.Name] = value;
                    break;
            }

            if (!ok)
            {
                error = new RequestParseError($"'{path}' has the wrong type.", path);
                return false;
            }
        }

        if (mimeType is not null || schema is not null)
        {
            if (mimeType is "application/json" || (mimeType is null && schema is not null))
            {
                JsonElement? converted = null;
                if (schema is { } original)
                {
                    converted = GeminiSchemaTypes.Convert(original, toUpper: false, out bool changed);
                    request.Extensions[ResponseSchemaFieldKey] = GeminiJson.StringElement(schemaField!);
                    if (changed)
                    {
                        request.Extensions[ResponseSchemaUpperCaseKey] = GeminiJson.True;
                    }
                }

                // A schema without a mime type is JSON output too; the encoder then names application/json.
                request.OutputFormat = new OutputFormat(converted is null ? OutputFormatKind.JsonObject : OutputFormatKind.JsonSchema, converted, null, null);
            }
            else if (mimeType is "text/plain" && schema is null)
            {
                request.OutputFormat = new OutputFormat(OutputFormatKind.Text, null, null, null);
            }
            else
            {
                request.Extensions[GenerationConfigPrefix + "responseMimeType"] = config.GetProperty("responseMimeType"u8);
                if (schema is not null)
                {
                    request.Extensions[GenerationConfigPrefix + schemaField] = schema.Value;
                }
            }
        }

        return true;
    }

    private static bool TryReadThinking(JsonElement thinking, CanonicalRequest request)
    {
        if (thinking.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        long? budget = null;
        string? level = null;
        bool? includeThoughts = null;
        foreach (var member in thinking.EnumerateObject())
        {
            switch (member.Name)
            {
                case "thinkingBudget" when member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out long b):
                    budget = b;
                    break;
                case "thinkingLevel" when member.Value.ValueKind == JsonValueKind.String:
                    level = member.Value.GetString()!.ToLowerInvariant();
                    break;
                case "includeThoughts" when member.Value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    includeThoughts = member.Value.GetBoolean();
                    break;
                case "thinkingBudget" or "thinkingLevel" or "includeThoughts":
                    return false;
                default:
                    request.Extensions[ThinkingConfigPrefix + member.Name] = member.Value;
                    break;
            }
        }

        bool? enabled = budget switch
        {
            0 => false,
            not null => true,
            null when level is not null => true,
            _ => null,
        };
        request.Reasoning = new ReasoningOptions(enabled, budget > 0 ? budget : null, level, budget == -1, includeThoughts, null);
        return true;
    }
}
