using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Writes a canonical request as a Gemini <c>generateContent</c> body (the model goes in the URL), or as a
/// <c>countTokens</c> body (<c>{generateContentRequest:{model, contents, systemInstruction, tools}}</c>). Whatever Gemini
/// cannot express is either left out by a declared rule (listed in Changes) or refused naming the field.
/// </summary>
internal static class GeminiRequestEncoder
{
    public static EncodedRequest Encode(CanonicalRequest request, string upstreamModel, bool countTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        var changes = new List<string>();
        bool sameDialect = request.Origin == WireDialectName.Gemini;
        if (TranslationRules.Check(request.Extensions, WireDialectName.Gemini, changes) is { } refusedKey)
        {
            return EncodedRequest.Refused($"The field '{refusedKey}' has no equivalent in the Gemini API, so this request cannot be sent to a Gemini upstream.", refusedKey);
        }

        if (request.User is not null && !sameDialect)
        {
            changes.Add("left_out:user");
        }

        if (request.ParallelToolCalls == false)
        {
            // Gemini has no switch for parallel function calls; the table's keys belong to the client's dialect, so
            // this declared difference is recorded here directly.
            changes.Add("left_out:parallel_tool_calls");
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        RequestParseError? error;
        using (var writer = new Utf8JsonWriter(buffer, GeminiJson.WriterOptions))
        {
            writer.WriteStartObject();
            if (countTokens)
            {
                writer.WriteStartObject("generateContentRequest"u8);
                writer.WriteString("model"u8, "models/" + upstreamModel);
            }

            error = WriteSystemInstruction(writer, request, changes)
                ?? WriteContents(writer, request, changes)
                ?? WriteTools(writer, request, changes);
            if (error is null && !countTokens)
            {
                WriteToolConfig(writer, request);
                error = WriteGenerationConfig(writer, request, changes);
                WriteTopLevelExtensions(writer, request);
            }

            if (error is not null)
            {
                return EncodedRequest.Refused(error.Message, error.Param ?? "");
            }

            if (countTokens)
            {
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return new EncodedRequest(buffer.WrittenMemory, changes, null);
    }

    private static RequestParseError? WriteSystemInstruction(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        var parts = new GeminiPartWriter(forClient: false, request.Origin, changes);
        bool started = false;
        bool conversationSeen = false;
        for (int i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message.Role is not (MessageRole.System or MessageRole.Developer))
            {
                conversationSeen = true;
                continue;
            }

            if (TranslationRules.Check(message.Extensions, WireDialectName.Gemini, changes) is { } refused)
            {
                return new RequestParseError($"'{refused}' on messages[{i}] cannot be expressed for a Gemini upstream.", refused);
            }

            if (!started)
            {
                writer.WriteStartObject("systemInstruction"u8);
                if (message.Extensions is not null && message.Extensions.TryGetValue(GeminiRequestDecoder.SystemRoleKey, out var role))
                {
                    writer.WritePropertyName("role"u8);
                    role.WriteTo(writer);
                }

                writer.WriteStartArray("parts"u8);
                started = true;
            }

            if (conversationSeen)
            {
                changes.Add(string.Create(CultureInfo.InvariantCulture, $"moved:system message {i} to systemInstruction"));
            }

            if (parts.WriteParts(writer, message.Content, $"messages[{i}].content") is { } error)
            {
                return error;
            }
        }

        if (started)
        {
            parts.Flush(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return null;
    }

    private static RequestParseError? WriteContents(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        var parts = new GeminiPartWriter(forClient: false, request.Origin, changes);
        bool merge = request.Origin != WireDialectName.Gemini;
        string? openRole = null;
        writer.WriteStartArray("contents"u8);
        for (int i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message.Role is MessageRole.System or MessageRole.Developer)
            {
                continue;
            }

            if (TranslationRules.Check(message.Extensions, WireDialectName.Gemini, changes) is { } refused)
            {
                return new RequestParseError($"'{refused}' on messages[{i}] cannot be expressed for a Gemini upstream.", refused);
            }

            string role = message.Role == MessageRole.Assistant ? "model" : "user";
            if (openRole is not null && (!merge || role != openRole))
            {
                parts.Flush(writer);
                writer.WriteEndArray();
                writer.WriteEndObject();
                openRole = null;
            }

            if (openRole is null)
            {
                if (merge && !parts.HasParts(message.Content))
                {
                    // Nothing Gemini can carry (only reasoning of another origin, already listed in Changes).
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("role"u8, role);
                writer.WriteStartArray("parts"u8);
                openRole = role;
            }

            if (parts.WriteParts(writer, message.Content, $"messages[{i}].content") is { } error)
            {
                return error;
            }
        }

        if (openRole is not null)
        {
            parts.Flush(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        return null;
    }

    private static RequestParseError? WriteTools(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        if (request.Tools.Count == 0)
        {
            return null;
        }

        var functions = new List<(ToolDefinition Tool, int Index)>();
        var others = new List<ToolDefinition>();
        for (int i = 0; i < request.Tools.Count; i++)
        {
            var tool = request.Tools[i];
            if (tool.IsFunction)
            {
                if (TranslationRules.Check(tool.Extensions, WireDialectName.Gemini, changes) is { } refused)
                {
                    return new RequestParseError($"'{refused}' on tools[{i}] cannot be expressed for a Gemini upstream.", refused);
                }

                if (tool.Strict == true && request.Origin != WireDialectName.Gemini)
                {
                    changes.Add(string.Create(CultureInfo.InvariantCulture, $"left_out:tools[{i}].strict"));
                }

                functions.Add((tool, i));
            }
            else if (tool.Origin == WireDialectName.Gemini && tool.Raw is not null)
            {
                others.Add(tool);
            }
            else
            {
                string key = TranslationRules.Prefix(tool.Origin ?? request.Origin) + "tool:" + tool.Kind;
                if (TranslationRules.LeftOutReason(key) is null)
                {
                    return new RequestParseError($"tools[{i}] ({tool.Kind}) is a built-in tool of another provider that a Gemini upstream does not offer.", $"tools[{i}] ({tool.Kind})");
                }

                changes.Add("left_out:" + key);
            }
        }

        if (functions.Count == 0 && others.Count == 0)
        {
            return null;
        }

        writer.WriteStartArray("tools"u8);
        if (functions.Count > 0)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("functionDeclarations"u8);
            foreach (var (tool, _) in functions)
            {
                WriteDeclaration(writer, tool);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        foreach (var tool in others)
        {
            writer.WriteStartObject();
            writer.WritePropertyName(tool.Kind);
            tool.Raw!.Value.WriteTo(writer);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        return null;
    }

    private static void WriteDeclaration(Utf8JsonWriter writer, ToolDefinition tool)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, tool.Name);
        if (tool.Description is not null)
        {
            writer.WriteString("description"u8, tool.Description);
        }

        if (tool.InputSchema is { } schema)
        {
            string field = tool.Extensions is not null && tool.Extensions.TryGetValue(GeminiRequestDecoder.SchemaFieldKey, out var kept) && kept.ValueKind == JsonValueKind.String
                ? kept.GetString()!
                : "parametersJsonSchema";
            writer.WritePropertyName(field);
            (GeminiJson.IsFlagSet(tool.Extensions, GeminiRequestDecoder.UpperCaseTypesKey) ? GeminiSchemaTypes.Convert(schema, toUpper: true, out _) : schema).WriteTo(writer);
        }

        if (tool.Extensions is not null)
        {
            foreach (var pair in tool.Extensions)
            {
                if (pair.Key.StartsWith(GeminiRequestDecoder.DeclarationPrefix, StringComparison.Ordinal))
                {
                    writer.WritePropertyName(pair.Key.AsSpan(GeminiRequestDecoder.DeclarationPrefix.Length));
                    pair.Value.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteToolConfig(Utf8JsonWriter writer, CanonicalRequest request)
    {
        if (request.Extensions.TryGetValue(GeminiRequestDecoder.ToolConfigKey, out var kept))
        {
            writer.WritePropertyName("toolConfig"u8);
            kept.WriteTo(writer);
            return;
        }

        if (request.ToolChoice is not { } choice)
        {
            return;
        }

        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartObject("functionCallingConfig"u8);
        writer.WriteString("mode"u8, choice.Mode switch
        {
            ToolChoiceMode.None => "NONE",
            ToolChoiceMode.Required or ToolChoiceMode.Specific => "ANY",
            _ => "AUTO",
        });
        if (choice.Mode == ToolChoiceMode.Specific && choice.Name is not null)
        {
            writer.WriteStartArray("allowedFunctionNames"u8);
            writer.WriteStringValue(choice.Name);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static RequestParseError? WriteGenerationConfig(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        bool started = false;
        void Begin()
        {
            if (!started)
            {
                writer.WriteStartObject("generationConfig"u8);
                started = true;
            }
        }

        if (request.StopSequences is { } stops)
        {
            Begin();
            writer.WriteStartArray("stopSequences"u8);
            foreach (string stop in stops)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        if (request.Temperature is { } temperature)
        {
            Begin();
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (request.TopP is { } topP)
        {
            Begin();
            writer.WriteNumber("topP"u8, topP);
        }

        if (request.TopK is { } topK)
        {
            Begin();
            writer.WriteNumber("topK"u8, topK);
        }

        if (request.MaxOutputTokens is { } max)
        {
            Begin();
            writer.WriteNumber("maxOutputTokens"u8, max);
        }

        if (request.Extensions.TryGetValue(GeminiRequestDecoder.SingleCandidateKey, out var single))
        {
            Begin();
            writer.WritePropertyName("candidateCount"u8);
            single.WriteTo(writer);
        }

        if (request.OutputFormat is { } format)
        {
            Begin();
            WriteOutputFormat(writer, request, format, changes);
        }

        if (WriteThinkingConfig(writer, request, changes, Begin) is { } error)
        {
            return error;
        }

        foreach (var pair in request.Extensions)
        {
            if (pair.Key.StartsWith(GeminiRequestDecoder.GenerationConfigPrefix, StringComparison.Ordinal))
            {
                Begin();
                writer.WritePropertyName(pair.Key.AsSpan(GeminiRequestDecoder.GenerationConfigPrefix.Length));
                pair.Value.WriteTo(writer);
            }
        }

        if (started)
        {
            writer.WriteEndObject();
        }

        return null;
    }

    private static void WriteOutputFormat(Utf8JsonWriter writer, CanonicalRequest request, OutputFormat format, List<string> changes)
    {
        writer.WriteString("responseMimeType"u8, format.Kind == OutputFormatKind.Text ? "text/plain" : "application/json");
        if (format.Kind == OutputFormatKind.JsonSchema && format.Schema is { } schema)
        {
            string field = request.Extensions.TryGetValue(GeminiRequestDecoder.ResponseSchemaFieldKey, out var kept) && kept.ValueKind == JsonValueKind.String
                ? kept.GetString()!
                : "responseJsonSchema";
            writer.WritePropertyName(field);
            (request.Extensions.TryGetValue(GeminiRequestDecoder.ResponseSchemaUpperCaseKey, out var upper) && upper.ValueKind == JsonValueKind.True
                ? GeminiSchemaTypes.Convert(schema, toUpper: true, out _)
                : schema).WriteTo(writer);
        }

        if (request.Origin != WireDialectName.Gemini)
        {
            if (format.Name is not null)
            {
                changes.Add("left_out:output_format.name");
            }

            if (format.Strict == true)
            {
                changes.Add("left_out:output_format.strict");
            }
        }
    }

    private static RequestParseError? WriteThinkingConfig(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes, Action begin)
    {
        var reasoning = request.Reasoning;
        bool sameDialect = request.Origin == WireDialectName.Gemini;
        long? budget = null;
        string? level = null;
        bool? includeThoughts = null;
        if (reasoning is not null)
        {
            includeThoughts = reasoning.IncludeThoughts ?? (reasoning.Summary is not null and not "none" ? true : null);
            if (reasoning.Enabled == false || reasoning.Effort == "none")
            {
                budget = 0;
            }
            else if (reasoning.BudgetTokens is { } tokens)
            {
                budget = tokens;
                if (reasoning.Effort is not null)
                {
                    // Gemini refuses a budget and a level together; the explicit budget is the more precise of the two.
                    changes.Add("left_out:reasoning.effort");
                }
            }
            else if (reasoning.Effort is { } effort)
            {
                level = effort switch
                {
                    "minimal" => "MINIMAL",
                    "low" => "LOW",
                    "medium" => "MEDIUM",
                    "high" => "HIGH",
                    "xhigh" or "max" => "HIGH",
                    _ when sameDialect => effort.ToUpperInvariant(),
                    _ => null,
                };
                if (level is null)
                {
                    return new RequestParseError($"The reasoning effort '{effort}' has no Gemini thinkingLevel.", "reasoning.effort");
                }

                if (effort is "xhigh" or "max")
                {
                    changes.Add("mapped:reasoning.effort=" + effort + " to thinkingLevel=HIGH");
                }
            }
            else if (reasoning.Adaptive)
            {
                budget = -1;
            }
        }

        bool hasOthers = request.Extensions.Keys.Any(k => k.StartsWith(GeminiRequestDecoder.ThinkingConfigPrefix, StringComparison.Ordinal));
        if (budget is null && level is null && includeThoughts is null && !hasOthers)
        {
            return null;
        }

        begin();
        writer.WriteStartObject("thinkingConfig"u8);
        if (budget is { } b)
        {
            writer.WriteNumber("thinkingBudget"u8, b);
        }

        if (level is not null)
        {
            writer.WriteString("thinkingLevel"u8, level);
        }

        if (includeThoughts is { } include)
        {
            writer.WriteBoolean("includeThoughts"u8, include);
        }

        foreach (var pair in request.Extensions)
        {
            if (pair.Key.StartsWith(GeminiRequestDecoder.ThinkingConfigPrefix, StringComparison.Ordinal))
            {
                writer.WritePropertyName(pair.Key.AsSpan(GeminiRequestDecoder.ThinkingConfigPrefix.Length));
                pair.Value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        return null;
    }

    private static void WriteTopLevelExtensions(Utf8JsonWriter writer, CanonicalRequest request)
    {
        foreach (var pair in request.Extensions)
        {
            string key = pair.Key;
            if (!key.StartsWith("gemini.", StringComparison.Ordinal)
                || key.StartsWith(GeminiRequestDecoder.GenerationConfigPrefix, StringComparison.Ordinal)
                || key.StartsWith(GeminiRequestDecoder.ThinkingConfigPrefix, StringComparison.Ordinal)
                || key is GeminiRequestDecoder.ToolConfigKey or GeminiRequestDecoder.SingleCandidateKey
                    or GeminiRequestDecoder.ResponseSchemaFieldKey or GeminiRequestDecoder.ResponseSchemaUpperCaseKey)
            {
                continue;
            }

            writer.WritePropertyName(key.AsSpan("gemini.".Length));
            pair.Value.WriteTo(writer);
        }
    }
}
