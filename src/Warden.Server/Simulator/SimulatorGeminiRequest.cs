using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Reads a Gemini generateContent / countTokens body into the simulator's request: contents with
/// text, thought, functionCall and functionResponse parts, systemInstruction, functionDeclarations,
/// toolConfig and generationConfig (maxOutputTokens, JSON output, thinkingConfig). The model and
/// whether to stream come from the URL. thoughtSignatures in model turns are collected for verification.
/// </summary>
internal static class SimulatorGeminiRequest
{
    public static bool TryParse(
        JsonElement root,
        string modelText,
        bool stream,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        request = null;
        if (!SimulatorJsonRead.TryRequireObject(root, out error))
        {
            return false;
        }

        // countTokens may wrap a whole generateContent request.
        if (SimulatorJsonRead.TryGetObject(root, "generateContentRequest", out var wrapped))
        {
            root = wrapped;
        }

        var tally = new SimulatorMessageTally();
        var echoes = new List<SimulatorEcho>();
        if (SimulatorJsonRead.TryGetObject(root, "systemInstruction", out var system))
        {
            var systemText = PartsText(system, out _, out _);
            tally.Add("system", systemText.Length, null, systemText);
        }

        if (!TryReadContents(root, tally, echoes, out error)
            || !SimulatorToolRead.TryReadArray(root, ReadTool, out var tools, out var toolsBytes, out error)
            || !TryReadToolConfig(root, tools, out var choice, out var choiceName, out error))
        {
            return false;
        }

        var config = SimulatorJsonRead.TryGetObject(root, "generationConfig", out var c) ? c : default;
        int? maxTokens = null;
        if (config.ValueKind == JsonValueKind.Object
            && !SimulatorJsonRead.TryPositiveInt(config, "maxOutputTokens", "generationConfig.maxOutputTokens", out maxTokens, out error))
        {
            return false;
        }

        var thinking = config.ValueKind == JsonValueKind.Object && SimulatorJsonRead.TryGetObject(config, "thinkingConfig", out var t) ? t : default;
        var thinkingOn = thinking.ValueKind == JsonValueKind.Object
            && !(thinking.TryGetProperty("thinkingBudget", out var budget) && budget.ValueKind == JsonValueKind.Number && budget.GetDouble() == 0);
        var includeThoughts = thinking.ValueKind == JsonValueKind.Object
            && thinking.TryGetProperty("includeThoughts", out var include) && include.ValueKind == JsonValueKind.True;
        request = SimulatorChatRequest.FromParts(
            SimulatorDialect.Gemini,
            modelText,
            stream,
            includeUsage: true,
            maxTokens,
            tally,
            new SimulatorToolSetup(tools, toolsBytes, choice, choiceName),
            thinkingOn,
            OutputFormat(config),
            echoes,
            SimulatorJsonRead.Sampling(config, readsSeed: true),
            showReasoning: includeThoughts);
        return true;
    }

    /// <summary>responseMimeType application/json with responseJsonSchema or responseSchema (Gemini's OpenAPI subset).</summary>
    private static (SimulatorJsonMode Mode, JsonElement? Schema) OutputFormat(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || SimulatorJsonRead.String(config, "responseMimeType") != "application/json")
        {
            return (SimulatorJsonMode.None, null);
        }

        foreach (var name in (string[])["responseJsonSchema", "responseSchema"])
        {
            if (config.TryGetProperty(name, out var schema) && schema.ValueKind == JsonValueKind.Object)
            {
                return (SimulatorJsonMode.Schema, schema.Clone());
            }
        }

        return (SimulatorJsonMode.Object, null);
    }

    private static bool TryReadContents(JsonElement root, SimulatorMessageTally tally, List<SimulatorEcho> echoes, [NotNullWhen(false)] out SimulatorError? error)
    {
        if (!root.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0)
        {
            error = SimulatorError.InvalidValue("contents", "* GenerateContentRequest.contents: contents is not specified");
            return false;
        }

        var index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            var role = SimulatorJsonRead.String(content, "role") ?? "user";
            if (role is not ("user" or "model" or "function"))
            {
                error = SimulatorError.InvalidValue(
                    string.Create(CultureInfo.InvariantCulture, $"contents[{index}].role"),
                    $"Please use a valid role: user, model. Got '{role}'.");
                return false;
            }

            var text = PartsText(content, out var otherChars, out var hasFunctionResponse);
            if (role == "model" && content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in parts.EnumerateArray())
                {
                    if (SimulatorJsonRead.String(part, "thoughtSignature") is { } signature)
                    {
                        echoes.Add(new SimulatorEcho(SimulatorDialect.Gemini, signature, null));
                    }
                }
            }

            var tallyRole = hasFunctionResponse || role == "function" ? SimulatorMessageTally.ToolRole : role == "model" ? "assistant" : "user";
            tally.Add(tallyRole, text.Length + otherChars, tallyRole == "user" ? text : null, text);
            index++;
        }

        error = null;
        return true;
    }

    /// <summary>The non-thought text parts concatenated; other parts (thoughts, calls, responses) are counted in <paramref name="otherChars"/>.</summary>
    private static string PartsText(JsonElement content, out int otherChars, out bool hasFunctionResponse)
    {
        otherChars = 0;
        hasFunctionResponse = false;
        var builder = new StringBuilder();
        if (!content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (SimulatorJsonRead.String(part, "text") is { } text)
            {
                if (part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True)
                {
                    otherChars += text.Length;
                }
                else
                {
                    builder.Append(text);
                }
            }
            else if (SimulatorJsonRead.TryGetObject(part, "functionCall", out var call))
            {
                otherChars += (SimulatorJsonRead.String(call, "name")?.Length ?? 0)
                    + (call.TryGetProperty("args", out var args) ? SimulatorJsonRead.CompactLength(args) : 0);
            }
            else if (SimulatorJsonRead.TryGetObject(part, "functionResponse", out var response))
            {
                hasFunctionResponse = true;
                otherChars += response.TryGetProperty("response", out var body) ? SimulatorJsonRead.CompactLength(body) : 0;
            }
        }

        return builder.ToString();
    }

    /// <summary>functionDeclarations (parameters or parametersJsonSchema) are callable; googleSearch and the like only count as prompt.</summary>
    private static bool ReadTool(JsonElement tool, int index, List<SimulatorTool> list, [NotNullWhen(false)] out SimulatorError? error)
    {
        error = null;
        if (tool.ValueKind != JsonValueKind.Object
            || !tool.TryGetProperty("functionDeclarations", out var declarations)
            || declarations.ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        foreach (var declaration in declarations.EnumerateArray())
        {
            if (SimulatorJsonRead.String(declaration, "name") is not { Length: > 0 } name)
            {
                error = SimulatorError.MissingParameter("tools.functionDeclarations.name");
                return false;
            }

            var parameters = declaration.TryGetProperty("parametersJsonSchema", out var jsonSchema) ? jsonSchema
                : declaration.TryGetProperty("parameters", out var openApi) ? openApi
                : (JsonElement?)null;
            SimulatorJsonRead.AddTool(list, name, parameters);
        }

        return true;
    }

    /// <summary>toolConfig.functionCallingConfig: NONE, ANY (one allowed name means that function), AUTO / VALIDATED.</summary>
    private static bool TryReadToolConfig(
        JsonElement root,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        choice = SimulatorToolChoice.Auto;
        name = null;
        error = null;
        if (!SimulatorJsonRead.TryGetObject(root, "toolConfig", out var config)
            || !SimulatorJsonRead.TryGetObject(config, "functionCallingConfig", out var calling))
        {
            return true;
        }

        switch (SimulatorJsonRead.String(calling, "mode"))
        {
            case "NONE":
                choice = SimulatorToolChoice.None;
                break;
            case "ANY":
                choice = SimulatorToolChoice.Required;
                if (calling.TryGetProperty("allowedFunctionNames", out var allowed) && allowed.ValueKind == JsonValueKind.Array
                    && allowed.GetArrayLength() == 1 && allowed[0].ValueKind == JsonValueKind.String)
                {
                    var chosen = allowed[0].GetString()!;
                    return SimulatorToolRead.TryChooseDeclared(
                        tools, chosen, "toolConfig", $"allowedFunctionNames: function '{chosen}' is not declared.", out choice, out name, out error);
                }

                break;
        }

        return true;
    }
}
