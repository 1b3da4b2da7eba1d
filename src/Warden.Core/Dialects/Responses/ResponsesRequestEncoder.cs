using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Encodes a canonical request (from any client dialect) as a Responses API body for an upstream. Same-dialect
/// requests get their Responses-only fields back (instructions, item ids, namespace tools, store, include, …);
/// other dialects' extensions are left out by declared rule or refused; what Responses cannot express (stop
/// sequences) is refused with the field named; top_k is left out and declared.
/// </summary>
public static class ResponsesRequestEncoder
{
    private const string Dialect = "the Responses upstream";

    public static EncodedRequest Encode(CanonicalRequest request, string upstreamModel)
    {
        ArgumentNullException.ThrowIfNull(request);
        var changes = new List<string>();
        bool sameDialect = request.Origin == WireDialectName.Responses;

        if (request.StopSequences is { Count: > 0 })
        {
            return EncodedRequest.Refused($"'stop' cannot be sent to {Dialect}: the Responses API has no stop sequences.", "stop");
        }

        if (request.TopK is not null)
        {
            // The Responses API has no top_k. It only narrows sampling (temperature and top_p are carried), and
            // Gemini CLI sends topK on every call: left out, and declared.
            changes.Add("left_out:top_k");
        }

        if (TranslationRules.Check(request.Extensions, WireDialectName.Responses, changes) is { } refusedKey)
        {
            return Refuse(refusedKey);
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, ResponsesJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("model", upstreamModel);
            if (WriteInstructionsAndInput(writer, request, changes) is { } inputError)
            {
                return inputError;
            }

            if (WriteTools(writer, request, changes) is { } toolError)
            {
                return toolError;
            }

            WriteToolChoice(writer, request.ToolChoice, ResponsesNamespaces.Declared(request));
            if (request.ParallelToolCalls is { } parallel)
            {
                writer.WriteBoolean("parallel_tool_calls", parallel);
            }

            if (request.Stream)
            {
                writer.WriteBoolean("stream", true);
            }

            if (request.MaxOutputTokens is { } max)
            {
                writer.WriteNumber("max_output_tokens", max);
            }

            if (request.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }

            writer.WriteStringIfSet("user", request.User);
            WriteReasoning(writer, request, changes);
            WriteText(writer, request, changes);
            WriteOwnExtensions(writer, request);
            if (!sameDialect)
            {
                writer.WriteBoolean("store", false);
                changes.Add("added:store=false");
            }

            writer.WriteEndObject();
        }

        return new EncodedRequest(buffer.WrittenMemory, changes, null);
    }

    /// <summary>
    /// Refuses an extension that has no left-out rule: the param is the field without its dialect prefix (under
    /// <paramref name="path"/> for message and block extensions); the message names the full key.
    /// </summary>
    internal static EncodedRequest Refuse(string key, string? path = null)
    {
        string field = key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..];
        string where = path is null ? field : path + "." + field;
        return EncodedRequest.Refused(
            $"'{where}' ({key}) cannot be sent to {Dialect}: the Responses API has no equivalent, and leaving it out would change the answer.",
            where);
    }

    private static EncodedRequest? WriteInstructionsAndInput(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        int first = 0;
        if (request.Origin == WireDialectName.Responses && request.Messages.Count > 0
            && request.Messages[0] is { Role: MessageRole.System } lead
            && lead.Extensions?.ContainsKey(ResponsesRequestDecoder.InstructionsMarker) == true
            && lead.Content is [TextBlock instructions])
        {
            writer.WriteString("instructions", instructions.Text);
            first = 1;
        }

        // A lone user string is what a string input decodes to; the same dialect gets the string back.
        if (request.Origin == WireDialectName.Responses && request.Messages.Count == first + 1
            && request.Messages[first] is { Role: MessageRole.User, Content: [TextBlock only] } lone
            && lone.Extensions?.ContainsKey(ResponsesRequestDecoder.InputStringMarker) == true)
        {
            writer.WriteString("input", only.Text);
            return null;
        }

        var declared = ResponsesNamespaces.Declared(request);
        var items = new ResponsesInputWriter(writer, request.Origin, declared, changes);
        writer.WriteStartArray("input");
        for (int i = first; i < request.Messages.Count; i++)
        {
            if (items.WriteMessage(request.Messages[i], i) is { } refused)
            {
                return EncodedRequest.Refused(refused.Message, refused.Param ?? "messages");
            }
        }

        writer.WriteEndArray();
        return null;
    }

    private static EncodedRequest? WriteTools(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        if (request.Tools.Count == 0)
        {
            return null;
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        writer.WriteStartArray("tools");
        for (int i = 0; i < request.Tools.Count; i++)
        {
            var tool = request.Tools[i];
            if (!tool.IsFunction)
            {
                if (tool.Origin == WireDialectName.Responses && tool.Raw is { } raw)
                {
                    raw.WriteTo(writer);
                    continue;
                }

                string key = TranslationRules.Prefix(tool.Origin ?? request.Origin) + "tool:" + tool.Kind;
                if (TranslationRules.LeftOutReason(key) is not null)
                {
                    changes.Add("left_out:" + key);
                    continue;
                }

                return EncodedRequest.Refused($"'tools[{i}] ({tool.Kind})' cannot be sent to {Dialect}: it is a tool only its own provider runs.", $"tools[{i}] ({tool.Kind})");
            }

            if (TranslationRules.Check(tool.Extensions, WireDialectName.Responses, changes) is { } refusedKey)
            {
                return Refuse(refusedKey, $"tools[{i}]");
            }

            if (ResponsesNamespaces.NamespaceOf(tool) is { } ns)
            {
                if (written.Add(ns))
                {
                    WriteNamespace(writer, ns, request.Tools);
                }

                continue;
            }

            WriteFunction(writer, tool, tool.Name);
        }

        writer.WriteEndArray();
        return null;
    }

    private static void WriteNamespace(Utf8JsonWriter writer, string ns, List<ToolDefinition> tools)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "namespace");
        writer.WriteString("name", ns);
        JsonElement? description = null;
        foreach (var tool in tools)
        {
            if (ResponsesNamespaces.NamespaceOf(tool) == ns && tool.Extensions!.TryGetValue(ResponsesNamespaces.DescriptionKey, out var d))
            {
                description = d;
                break;
            }
        }

        if (description is { } desc)
        {
            writer.WritePropertyName("description");
            desc.WriteTo(writer);
        }

        writer.WriteStartArray("tools");
        string prefix = ns + ResponsesNamespaces.Separator;
        foreach (var tool in tools)
        {
            if (ResponsesNamespaces.NamespaceOf(tool) == ns)
            {
                WriteFunction(writer, tool, tool.Name.StartsWith(prefix, StringComparison.Ordinal) ? tool.Name[prefix.Length..] : tool.Name);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteFunction(Utf8JsonWriter writer, ToolDefinition tool, string name)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "function");
        writer.WriteString("name", name);
        writer.WriteStringIfSet("description", tool.Description);
        if (tool.Strict is { } strict)
        {
            writer.WriteBoolean("strict", strict);
        }

        if (tool.InputSchema is { } schema)
        {
            writer.WritePropertyName("parameters");
            schema.WriteTo(writer);
        }
        else
        {
            // Responses requires parameters; an absent schema means "no arguments".
            writer.WritePropertyName("parameters");
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (tool.Extensions is { } extensions)
        {
            foreach (var (key, value) in extensions)
            {
                if (key.StartsWith("responses.", StringComparison.Ordinal) && key is not (ResponsesNamespaces.NamespaceKey or ResponsesNamespaces.DescriptionKey))
                {
                    writer.WritePropertyName(key["responses.".Length..]);
                    value.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, ToolChoice? choice, IReadOnlySet<string> namespaces)
    {
        switch (choice?.Mode)
        {
            case ToolChoiceMode.Auto:
                writer.WriteString("tool_choice", "auto");
                break;
            case ToolChoiceMode.None:
                writer.WriteString("tool_choice", "none");
                break;
            case ToolChoiceMode.Required:
                writer.WriteString("tool_choice", "required");
                break;
            case ToolChoiceMode.Specific:
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "function");
                if (choice.Name is not null && ResponsesNamespaces.TrySplit(choice.Name, namespaces, out string ns, out string inner))
                {
                    writer.WriteString("namespace", ns);
                    writer.WriteString("name", inner);
                }
                else
                {
                    writer.WriteString("name", choice.Name);
                }

                writer.WriteEndObject();
                break;
            default:
                break;
        }
    }

    private static void WriteReasoning(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        if (request.Reasoning is not { } reasoning)
        {
            return;
        }

        string? effort = reasoning.Effort;
        if (effort is null && reasoning.BudgetTokens is { } budget && reasoning.Enabled != false)
        {
            effort = budget <= 2048 ? "low" : budget <= 16384 ? "medium" : "high";
            changes.Add("added:reasoning.effort=" + effort);
        }

        string? summary = reasoning.Summary;
        if (summary is null && reasoning.IncludeThoughts == true && request.Origin != WireDialectName.Responses)
        {
            summary = "auto";
            changes.Add("added:reasoning.summary=auto");
        }

        if (effort is null && summary is null)
        {
            return;
        }

        writer.WriteStartObject("reasoning");
        writer.WriteStringIfSet("effort", effort);
        writer.WriteStringIfSet("summary", summary);
        WriteExtensionMembers(writer, request, "responses.reasoning.");
        writer.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter writer, CanonicalRequest request, List<string> changes)
    {
        bool hasTextExtensions = request.Extensions.Keys.Any(k => k.StartsWith("responses.text.", StringComparison.Ordinal) && !k.StartsWith("responses.text.format.", StringComparison.Ordinal));
        if (request.OutputFormat is null && !hasTextExtensions)
        {
            return;
        }

        writer.WriteStartObject("text");
        if (request.OutputFormat is { } format)
        {
            writer.WriteStartObject("format");
            switch (format.Kind)
            {
                case OutputFormatKind.JsonObject:
                    writer.WriteString("type", "json_object");
                    break;
                case OutputFormatKind.JsonSchema:
                    writer.WriteString("type", "json_schema");
                    string name = format.Name ?? "response";
                    if (format.Name is null)
                    {
                        changes.Add("added:text.format.name=response");
                    }

                    writer.WriteString("name", name);
                    if (format.Schema is { } schema)
                    {
                        writer.WritePropertyName("schema");
                        schema.WriteTo(writer);
                    }

                    if (format.Strict is { } strict)
                    {
                        writer.WriteBoolean("strict", strict);
                    }

                    break;
                default:
                    writer.WriteString("type", "text");
                    break;
            }

            WriteExtensionMembers(writer, request, "responses.text.format.");
            writer.WriteEndObject();
        }

        foreach (var (key, value) in request.Extensions)
        {
            if (key.StartsWith("responses.text.", StringComparison.Ordinal) && !key.StartsWith("responses.text.format.", StringComparison.Ordinal))
            {
                writer.WritePropertyName(key["responses.text.".Length..]);
                value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteExtensionMembers(Utf8JsonWriter writer, CanonicalRequest request, string prefix)
    {
        foreach (var (key, value) in request.Extensions)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.IndexOf('.', prefix.Length) < 0)
            {
                writer.WritePropertyName(key[prefix.Length..]);
                value.WriteTo(writer);
            }
        }
    }

    // Top-level Responses fields kept by the decoder (store, include, prompt_cache_key, previous_response_id, …).
    private static void WriteOwnExtensions(Utf8JsonWriter writer, CanonicalRequest request)
    {
        foreach (var (key, value) in request.Extensions)
        {
            if (!key.StartsWith("responses.", StringComparison.Ordinal)
                || key.StartsWith("responses.text.", StringComparison.Ordinal)
                || key.StartsWith("responses.reasoning.", StringComparison.Ordinal))
            {
                continue;
            }

            string name = key switch
            {
                ResponsesRequestDecoder.TruncationDisabledKey => "truncation",
                ResponsesRequestDecoder.InstructionsItemsKey => "instructions",
                _ => key["responses.".Length..],
            };
            writer.WritePropertyName(name);
            value.WriteTo(writer);
        }
    }
}
