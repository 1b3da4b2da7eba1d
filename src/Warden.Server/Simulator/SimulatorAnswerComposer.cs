namespace Warden.Server.Simulator;

/// <summary>
/// Decides what the simulated model answers. Pure: the answer depends only on the request (the last
/// user message seeds all text), on <c>sample</c> when the request is sampled, on the dishonest modes and, for ids,
/// on the simulator request id.
/// </summary>
internal static class SimulatorAnswerComposer
{
    /// <summary>
    /// The answer: the honest one (text from <paramref name="sample"/> when given, else from the prompt), then the dishonest
    /// modes in the order a relay would apply them: cut the output, add a tool call, inflate the bill.
    /// </summary>
    public static SimulatorAnswer Compose(
        SimulatorChatRequest request,
        SimulatorFaultPlan faults,
        string simRequestId,
        SimulatorSeed? sample = null,
        SimulatorDishonesty? dishonesty = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(faults);
        dishonesty ??= SimulatorDishonesty.Honest;
        var answer = ComposeHonest(request, faults, simRequestId, sample, dishonesty);
        if (dishonesty.CapOutput is int cap && answer.Content is { } content && SimulatorTokens.Count(content) > cap)
        {
            // A relay that stops early to save output and says the model finished.
            var cut = SimulatorText.Truncate(content, cap);
            var reasoningTokens = answer.Usage.ReasoningTokens;
            answer = answer with
            {
                Content = cut,
                FinishReason = answer.ToolCalls.Count > 0 ? answer.FinishReason : "stop",
                Usage = Usage(request, SimulatorTokens.Count(cut) + reasoningTokens, reasoningTokens),
            };
        }

        var injection = faults.Injection == SimulatorToolInjection.None && dishonesty.InjectTool ? SimulatorToolInjection.UndeclaredName : faults.Injection;
        answer = SimulatorInjectedCall.Apply(answer, request, injection, simRequestId);
        return dishonesty.Inflate is double factor ? answer with { Usage = Inflate(answer.Usage, factor) } : answer;
    }

    private static SimulatorUsage Inflate(SimulatorUsage usage, double factor)
    {
        static int Scale(int tokens, double factor) => checked((int)Math.Round(tokens * factor, MidpointRounding.AwayFromZero));
        var prompt = Scale(usage.PromptTokens, factor);
        var completion = Scale(usage.CompletionTokens, factor);
        return new SimulatorUsage(
            prompt,
            completion,
            checked(prompt + completion),
            Math.Min(prompt, Scale(usage.CachedTokens, factor)),
            Math.Min(completion, Scale(usage.ReasoningTokens, factor)));
    }

    private static SimulatorAnswer ComposeHonest(
        SimulatorChatRequest request,
        SimulatorFaultPlan faults,
        string simRequestId,
        SimulatorSeed? sample,
        SimulatorDishonesty dishonesty)
    {
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
            _ => Text(request, sample, dishonesty),
        };
        var reasoning = reasons ? SimulatorText.Reasoning(seedText, 2 * SimulatorTokens.Count(content)) : null;
        var finishReason = "stop";

        // JSON answers are never cut by max_tokens, like tool calls: a truncated value would not validate.
        var max = Math.Min(request.MaxTokens ?? SimulatorModels.MaxOutputTokens, SimulatorModels.MaxOutputTokens);
        if (request.JsonMode == SimulatorJsonMode.None && SimulatorTokens.Count(content) + SimulatorTokens.Count(reasoning) > max)
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
    /// A plain-text answer from the model that actually answers (the substitute's under substitute=MODEL): a task's exact
    /// answer when the last user message asks one, else prose in that model's style. Under truncate-context=N only the
    /// facts of the system prompt and of the last N messages were read.
    /// </summary>
    private static string Text(SimulatorChatRequest request, SimulatorSeed? sample, SimulatorDishonesty dishonesty)
    {
        var model = dishonesty.Substitute ?? request.Model;
        var facts = dishonesty.TruncateContext is int keep
            ? request.Facts.Where(fact => fact.Turn < 0 || fact.Turn >= request.Turns - keep)
            : request.Facts;
        if (SimulatorTasks.Answer(request.LastUserText, model, facts) is { } exact)
        {
            return exact;
        }

        // Deterministic answers are seeded by the prompt (and the request's seed when it gives one).
        var seed = sample ?? new SimulatorSeed(request.Sampling.Seed is long given
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"answer\n{given}\n{request.LastUserText}")
            : "answer\n" + request.LastUserText);
        return SimulatorProse.Answer(SimulatorModelStyle.For(model), request.LastUserText, seed);
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
