namespace Warden.Server.Simulator;

/// <summary>
/// Decides what the simulated model answers. Pure: the answer depends only on the request (the last
/// user message seeds all text) and, for ids, on the simulator request id.
/// </summary>
internal static class SimulatorAnswerComposer
{
    public static SimulatorAnswer Compose(SimulatorChatRequest request, SimulatorFaultPlan faults, string simRequestId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(faults);
        var seedText = request.LastUserText;
        var reasons = request.Reasoning;

        // huge-N and long-N are about response size (long-N about the number of events), so they always answer with
        // text, ignore max_tokens and skip reasoning (which would otherwise triple the size).
        if ((faults.HugeKilobytes ?? faults.LongKilobytes) is int kilobytes)
        {
            var filler = SimulatorText.Filler(seedText, kilobytes * 1024);
            return new SimulatorAnswer(filler, null, [], "stop", Usage(request, SimulatorTokens.Count(filler), 0));
        }

        var echo = faults.Echo ? request.EchoText ?? "" : null;
        var tools = SelectTools(request);
        if (tools.Count > 0)
        {
            var calls = new SimulatorToolCall[tools.Count];
            var callTokens = 0;
            for (var i = 0; i < tools.Count; i++)
            {
                var arguments = SimulatorToolArguments.Build(tools[i], seedText, echo);
                calls[i] = new SimulatorToolCall(CallId(simRequestId, i), tools[i].Name, arguments);
                callTokens += SimulatorTokens.Count(tools[i].Name.Length + arguments.Length);
            }

            // Tool calls are never cut by max_tokens: truncated arguments would be useless JSON.
            var callReasoning = reasons ? SimulatorText.Reasoning(seedText, 2 * callTokens) : null;
            var callReasoningTokens = SimulatorTokens.Count(callReasoning);
            return new SimulatorAnswer(null, callReasoning, calls, "tool_calls", Usage(request, callTokens + callReasoningTokens, callReasoningTokens));
        }

        if (echo is not null)
        {
            // Echoed whole: never cut by max_tokens, no reasoning, so the test sees every text that arrived.
            return new SimulatorAnswer(echo, null, [], "stop", Usage(request, SimulatorTokens.Count(echo), 0));
        }

        var content = request.JsonMode switch
        {
            SimulatorJsonMode.Schema when request.JsonSchema is { } schema => SimulatorSchemaValue.Generate(schema, seedText),
            SimulatorJsonMode.Object or SimulatorJsonMode.Schema => SimulatorSchemaValue.SmallObject(seedText),
            _ => SimulatorText.Answer(seedText),
        };
        var reasoning = reasons ? SimulatorText.Reasoning(seedText, 2 * SimulatorTokens.Count(content)) : null;
        var finishReason = "stop";

        // JSON answers are never cut by max_tokens, like tool calls: a truncated value would not validate.
        if (request.JsonMode == SimulatorJsonMode.None && request.MaxTokens is int max && SimulatorTokens.Count(content) + SimulatorTokens.Count(reasoning) > max)
        {
            // Like max_completion_tokens on OpenAI's reasoning models, the cap covers reasoning too; a
            // third is kept for the visible answer so a tight cap still shows some text.
            finishReason = "length";
            if (reasoning is not null)
            {
                reasoning = SimulatorText.Truncate(reasoning, max - (max / 3));
            }

            content = SimulatorText.Truncate(content, max - SimulatorTokens.Count(reasoning));
        }

        var reasoningTokens = SimulatorTokens.Count(reasoning);
        return new SimulatorAnswer(content, reasoning, [], finishReason, Usage(request, SimulatorTokens.Count(content) + reasoningTokens, reasoningTokens));
    }

    /// <summary>
    /// prompt_tokens = ceil(message chars / 4) + 4 per message + ceil(tools JSON bytes / 4).
    /// cached_tokens = 0 below 1024 prompt tokens, else the largest multiple of 128 not above the
    /// tokens before the last message, i.e. the part a real prompt cache would have seen already.
    /// </summary>
    public static SimulatorUsage Usage(SimulatorChatRequest request, int completionTokens, int reasoningTokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompt = SimulatorTokens.Count(request.PromptChars)
            + (SimulatorTokens.PerMessage * request.MessageCount)
            + SimulatorTokens.Count(request.ToolsJsonBytes);
        var lastMessage = SimulatorTokens.Count(request.LastMessageChars) + SimulatorTokens.PerMessage;
        var cached = prompt < SimulatorTokens.CacheThreshold
            ? 0
            : Math.Max(0, (prompt - lastMessage) / SimulatorTokens.CacheBlock * SimulatorTokens.CacheBlock);
        return new SimulatorUsage(prompt, completionTokens, prompt + completionTokens, cached, reasoningTokens);
    }

    public static string CompletionId(string simRequestId) => "chatcmpl-" + SimulatorSeed.Hex24(simRequestId);

    internal static string CallId(string simRequestId, int index) => "call_" + SimulatorSeed.Hex24($"{simRequestId}\ncall\n{index}");

    /// <summary>
    /// No calls after a tool result or with tool_choice "none"; the named function when tool_choice
    /// names one; else every declared tool named in the last user message, in order of appearance;
    /// else the first tool when tool_choice is "required".
    /// </summary>
    private static List<SimulatorTool> SelectTools(SimulatorChatRequest request)
    {
        if (request.Tools.Count == 0
            || request.ToolChoice == SimulatorToolChoice.None
            || string.Equals(request.LastRole, SimulatorMessageTally.ToolRole, StringComparison.Ordinal))
        {
            return [];
        }

        if (request.ToolChoice == SimulatorToolChoice.Named)
        {
            return [.. request.Tools.Where(tool => string.Equals(tool.Name, request.ToolChoiceName, StringComparison.Ordinal))];
        }

        var mentioned = request.Tools
            .Select(tool => (Tool: tool, Position: FindName(request.LastUserText, tool.Name)))
            .Where(match => match.Position >= 0)
            .OrderBy(match => match.Position)
            .Select(match => match.Tool)
            .ToList();
        if (mentioned.Count == 0 && request.ToolChoice == SimulatorToolChoice.Required)
        {
            mentioned.Add(request.Tools[0]);
        }

        return mentioned;
    }

    /// <summary>First whole-word occurrence, so a tool "get" is not triggered by "get_weather".</summary>
    private static int FindName(string text, string name)
    {
        var start = 0;
        while (start <= text.Length - name.Length)
        {
            var at = text.IndexOf(name, start, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                return -1;
            }

            var end = at + name.Length;
            if ((at == 0 || !IsNameChar(text[at - 1])) && (end == text.Length || !IsNameChar(text[end])))
            {
                return at;
            }

            start = at + 1;
        }

        return -1;
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';
}
