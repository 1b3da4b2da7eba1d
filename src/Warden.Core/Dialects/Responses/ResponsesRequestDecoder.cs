using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Decodes a Responses API request body (what Codex and the OpenAI SDK send to /v1/responses) into a
/// <see cref="CanonicalRequest"/>. Items become messages (function_call items join the assistant message before
/// them, consecutive function_call_output items share one user message), namespace tools are flattened into
/// "N__fname" functions, and top-level fields with no canonical place go to Extensions["responses.field"].
/// </summary>
public static class ResponsesRequestDecoder
{
    /// <summary>The message extension marking the System message that came from the top-level instructions.</summary>
    public const string InstructionsMarker = "responses.instructions";

    /// <summary>The message extension marking the user message that was the whole input, given as a string.</summary>
    public const string InputStringMarker = "responses.input_string";

    /// <summary>
    /// The extension holding instructions given as an array of items (prompt templates): no canonical form, so
    /// refused for other dialects (it has no left-out rule).
    /// </summary>
    public const string InstructionsItemsKey = "responses.instructions_items";

    /// <summary>The extension holding truncation when it is "disabled" (the behaviour of every other upstream too).</summary>
    public const string TruncationDisabledKey = "responses.truncation:disabled";

    public static bool TryDecode(ReadOnlyMemory<byte> body, out CanonicalRequest request, out RequestParseError? error)
    {
        request = null!;
        error = null;
        JsonElement root;
        try
        {
            if (body.IsEmpty)
            {
                error = new RequestParseError("The request body is empty; expected a JSON object.", null);
                return false;
            }

            root = ResponsesJson.Parse(body.Span);
        }
        catch (JsonException ex)
        {
            error = new RequestParseError($"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.", null);
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            error = new RequestParseError("The request body must be a JSON object.", null);
            return false;
        }

        if (root.GetMember("model") is not { ValueKind: JsonValueKind.String } model || string.IsNullOrEmpty(model.GetString()))
        {
            error = new RequestParseError("'model' is required and must be a string.", "model");
            return false;
        }

        var result = new CanonicalRequest { Origin = WireDialectName.Responses, Model = model.GetString()! };
        error = ReadTopLevel(root, result);
        if (error is not null)
        {
            return false;
        }

        request = result;
        return true;
    }

    /// <summary>
    /// A number member as a double (null when it is not a number). A number beyond a double's range (1e999999) is
    /// refused: no upstream's encoder could write it.
    /// </summary>
    private static RequestParseError? FiniteNumber(JsonElement value, string name, out double? number)
    {
        number = null;
        if (value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        // TryGetDouble reads a number beyond a double's range as infinity.
        if (!value.TryGetDouble(out double parsed) || !double.IsFinite(parsed))
        {
            return new RequestParseError($"'{name}' is outside the range of a double-precision number.", name);
        }

        number = parsed;
        return null;
    }

    private static RequestParseError? ReadTopLevel(JsonElement root, CanonicalRequest result)
    {
        JsonElement? input = null;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "model":
                    break;
                case "input":
                    input = value;
                    break;
                case "instructions":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        result.Messages.Insert(0, new Message(MessageRole.System, [new TextBlock(value.GetString()!)])
                        {
                            WasString = true,
                            Extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [InstructionsMarker] = ResponsesJson.True },
                        });
                    }
                    else if (value.ValueKind != JsonValueKind.Null)
                    {
                        result.Extensions[InstructionsItemsKey] = value;
                    }

                    break;
                case "stream":
                    result.Stream = value.ValueKind == JsonValueKind.True;
                    break;
                case "tools":
                    if (ReadTools(value, result) is { } toolError)
                    {
                        return toolError;
                    }

                    break;
                case "tool_choice":
                    ReadToolChoice(value, result);
                    break;
                case "parallel_tool_calls":
                    result.ParallelToolCalls = value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };
                    break;
                case "max_output_tokens":
                    result.MaxOutputTokens = value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long max) ? max : null;
                    break;
                case "temperature":
                    if (FiniteNumber(value, "temperature", out double? temperature) is { } temperatureError)
                    {
                        return temperatureError;
                    }

                    result.Temperature = temperature;
                    break;
                case "top_p":
                    if (FiniteNumber(value, "top_p", out double? topp) is { } toppError)
                    {
                        return toppError;
                    }

                    result.TopP = topp;
                    break;
                case "user":
                    result.User = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                    break;
                case "reasoning":
                    ReadReasoning(value, result);
                    break;
                case "text":
                    ReadText(value, result);
                    break;
                case "truncation" when value.ValueKind == JsonValueKind.String && value.ValueEquals("disabled"):
                    result.Extensions[TruncationDisabledKey] = value;
                    break;
                default:
                    if (value.ValueKind != JsonValueKind.Null)
                    {
                        result.Extensions["responses." + property.Name] = value;
                    }

                    break;
            }
        }

        if (input is null)
        {
            return result.Messages.Count > 0 ? null : new RequestParseError("'input' is required.", "input");
        }

        return ResponsesInputReader.Read(input.Value, result.Messages);
    }

    private static void ReadReasoning(JsonElement value, CanonicalRequest result)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        string? effort = value.GetString("effort");
        string? summary = value.GetString("summary") ?? value.GetString("generate_summary");
        bool? enabled = effort is null ? null : effort != "none";
        result.Reasoning = new ReasoningOptions(enabled, null, effort, false, summary is null ? null : summary != "none", summary);
        foreach (var member in value.EnumerateObject())
        {
            if (member.Name is not ("effort" or "summary" or "generate_summary") && member.Value.ValueKind != JsonValueKind.Null)
            {
                result.Extensions["responses.reasoning." + member.Name] = member.Value;
            }
        }
    }

    private static void ReadText(JsonElement value, CanonicalRequest result)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var member in value.EnumerateObject())
        {
            if (member.Name == "format" && member.Value.ValueKind == JsonValueKind.Object)
            {
                var format = member.Value;
                string? type = format.GetString("type");
                var kind = type switch
                {
                    "json_object" => OutputFormatKind.JsonObject,
                    "json_schema" => OutputFormatKind.JsonSchema,
                    _ => OutputFormatKind.Text,
                };
                bool? strict = format.GetMember("strict") is { } s && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.ValueKind == JsonValueKind.True : null;
                result.OutputFormat = new OutputFormat(kind, format.GetMember("schema"), format.GetString("name"), strict);
                foreach (var extra in format.EnumerateObject())
                {
                    if (extra.Name is not ("type" or "schema" or "name" or "strict") && extra.Value.ValueKind != JsonValueKind.Null)
                    {
                        result.Extensions["responses.text.format." + extra.Name] = extra.Value;
                    }
                }
            }
            else if (member.Value.ValueKind != JsonValueKind.Null)
            {
                result.Extensions["responses.text." + member.Name] = member.Value;
            }
        }
    }

    private static void ReadToolChoice(JsonElement value, CanonicalRequest result)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            result.ToolChoice = value.GetString() switch
            {
                "auto" => new ToolChoice(ToolChoiceMode.Auto, null),
                "none" => new ToolChoice(ToolChoiceMode.None, null),
                "required" => new ToolChoice(ToolChoiceMode.Required, null),
                _ => null,
            };
            if (result.ToolChoice is null)
            {
                result.Extensions["responses.tool_choice"] = value;
            }
        }
        else if (value.ValueKind == JsonValueKind.Object && value.GetString("type") == "function" && value.GetString("name") is { } name)
        {
            string? ns = value.GetString("namespace");
            result.ToolChoice = new ToolChoice(ToolChoiceMode.Specific, ns is null ? name : ResponsesNamespaces.Join(ns, name));
        }
        else if (value.ValueKind != JsonValueKind.Null)
        {
            // allowed_tools, hosted-tool and custom choices have no canonical form: kept for the same dialect only.
            result.Extensions["responses.tool_choice"] = value;
        }
    }

    private static RequestParseError? ReadTools(JsonElement value, CanonicalRequest result)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return new RequestParseError("'tools' must be an array.", "tools");
        }

        int i = 0;
        foreach (var tool in value.EnumerateArray())
        {
            string? type = tool.GetString("type");
            if (type is null)
            {
                return new RequestParseError($"'tools[{i}].type' is required.", $"tools[{i}].type");
            }

            if (type == ToolDefinition.FunctionKind)
            {
                if (ReadFunction(tool, null, null) is not { } function)
                {
                    return new RequestParseError($"'tools[{i}].name' is required.", $"tools[{i}].name");
                }

                result.Tools.Add(function);
            }
            else if (type == "namespace" && TryFlattenNamespace(tool, out var functions))
            {
                result.Tools.AddRange(functions);
            }
            else
            {
                result.Tools.Add(new ToolDefinition(type, tool.GetString("name") ?? type, tool.GetString("description"), null)
                {
                    Raw = tool,
                    Origin = WireDialectName.Responses,
                });
            }

            i++;
        }

        return null;
    }

    // A namespace whose members are all functions becomes one function per member; anything else stays raw.
    private static bool TryFlattenNamespace(JsonElement tool, out List<ToolDefinition> functions)
    {
        functions = [];
        if (tool.GetString("name") is not { Length: > 0 } ns || tool.GetMember("tools") is not { ValueKind: JsonValueKind.Array } members)
        {
            return false;
        }

        JsonElement? description = tool.GetMember("description");
        foreach (var member in members.EnumerateArray())
        {
            if (member.GetString("type") != ToolDefinition.FunctionKind || ReadFunction(member, ns, description) is not { } function)
            {
                return false;
            }

            functions.Add(function);
        }

        foreach (var extra in tool.EnumerateObject())
        {
            if (extra.Name is not ("type" or "name" or "description" or "tools"))
            {
                return false;
            }
        }

        return functions.Count > 0;
    }

    private static ToolDefinition? ReadFunction(JsonElement tool, string? ns, JsonElement? namespaceDescription)
    {
        if (tool.GetString("name") is not { Length: > 0 } name)
        {
            return null;
        }

        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (ns is not null)
        {
            extensions[ResponsesNamespaces.NamespaceKey] = ResponsesJson.StringElement(ns);
            if (namespaceDescription is { } d)
            {
                extensions[ResponsesNamespaces.DescriptionKey] = d;
            }
        }

        foreach (var member in tool.EnumerateObject())
        {
            if (member.Name is not ("type" or "name" or "description" or "parameters" or "strict") && member.Value.ValueKind != JsonValueKind.Null)
            {
                extensions["responses." + member.Name] = member.Value;
            }
        }

        bool? strict = tool.GetMember("strict") is { } s && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.ValueKind == JsonValueKind.True : null;
        return new ToolDefinition(ToolDefinition.FunctionKind, ns is null ? name : ResponsesNamespaces.Join(ns, name), tool.GetString("description"), tool.GetMember("parameters"))
        {
            Strict = strict,
            Origin = WireDialectName.Responses,
            Extensions = extensions.Count > 0 ? extensions : null,
        };
    }
}
