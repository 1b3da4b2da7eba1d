using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Gemini: generateContent bodies, streamGenerateContent as SSE (?alt=sse, "\r\n\r\n" framing) or as a
/// JSON array streamed element by element, and countTokens. Thought parts appear with includeThoughts;
/// the first functionCall part carries a verifiable thoughtSignature when thinking. Usage follows
/// Gemini: candidatesTokenCount excludes thoughtsTokenCount.
/// </summary>
internal sealed class SimulatorGeminiWire : SimulatorWire
{
    /// <summary>The route value that holds "{model}:{method}".</summary>
    public const string TargetRouteValue = "target";

    public override SimulatorDialect Dialect => SimulatorDialect.Gemini;

    /// <summary>Splits "sim-small~429:streamGenerateContent" at its last colon.</summary>
    public static bool TrySplitTarget(HttpContext context, [NotNullWhen(true)] out string? model, [NotNullWhen(true)] out string? method)
    {
        ArgumentNullException.ThrowIfNull(context);
        model = null;
        method = null;
        var target = context.Request.RouteValues[TargetRouteValue] as string ?? "";
        var colon = target.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        model = target[..colon];
        method = target[(colon + 1)..];
        return true;
    }

    public override string? PeekModel(HttpContext context, JsonElement root) =>
        TrySplitTarget(context, out var model, out _) ? model.Split('~')[0] : null;

    public override bool TryParse(
        HttpContext context,
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        if (!TrySplitTarget(context, out var model, out var method))
        {
            request = null;
            error = SimulatorError.UnknownUrl(context.Request.Method, context.Request.Path);
            return false;
        }

        return SimulatorGeminiRequest.TryParse(root, model, method == "streamGenerateContent", out request, out error);
    }

    public override string ResponseId(string simRequestId) => SimulatorSeed.Hex24(simRequestId);

    public override SimulatorFraming Framing(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return string.Equals(context.Request.Query["alt"], "sse", StringComparison.Ordinal) ? SimulatorFraming.SseCrLf : SimulatorFraming.JsonArray;
    }

    public static string FinishReason(string finishReason) => finishReason == "length" ? "MAX_TOKENS" : "STOP";

    public override void WriteResponse(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorChatRequest request, SimulatorAnswer answer, bool includeUsage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        WriteChunkStart(writer);
        if (request.ShowReasoning && answer.ReasoningContent is { } reasoning)
        {
            WriteTextPart(writer, reasoning, thought: true);
        }

        if (answer.Content is { } content)
        {
            WriteTextPart(writer, content, thought: false);
        }

        for (var i = 0; i < answer.ToolCalls.Count; i++)
        {
            WriteCallPart(writer, request, answer, i);
        }

        WriteChunkEnd(writer, meta, answer, FinishReason(answer.FinishReason), includeUsage);
    }

    public override void WriteCount(Utf8JsonWriter writer, SimulatorUsage usage) => WriteTokenCount(writer, "totalTokens", usage);

    /// <summary>Function calls go out whole (no argument pieces), and hidden thoughts are not streamed at all.</summary>
    public override List<SimulatorStreamDelta> Plan(SimulatorChatRequest request, SimulatorAnswer answer, int chunkChars, int contentChunkChars)
    {
        ArgumentNullException.ThrowIfNull(request);
        return base.Plan(request, answer, chunkChars, contentChunkChars)
            .Where(delta => delta.Kind != SimulatorStreamDeltaKind.ToolCallArguments
                && (delta.Kind != SimulatorStreamDeltaKind.Reasoning || request.ShowReasoning))
            .ToList();
    }

    public override SimulatorStreamWriter CreateStreamWriter(
        SimulatorChatRequest request,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        IReadOnlyList<SimulatorStreamDelta> plan,
        bool sendUsage) => new GeminiStream(request, answer, meta, plan, sendUsage);

    private static void WriteChunkStart(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("candidates");
        writer.WriteStartObject();
        writer.WriteStartObject("content");
        writer.WriteString("role", "model");
        writer.WriteStartArray("parts");
    }

    private static void WriteChunkEnd(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorAnswer answer, string? finishReason, bool includeUsage)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
        if (finishReason is not null)
        {
            writer.WriteString("finishReason", finishReason);
        }

        writer.WriteNumber("index", 0);
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (finishReason is not null && includeUsage)
        {
            var usage = answer.Usage;
            writer.WriteStartObject("usageMetadata");
            writer.WriteNumber("promptTokenCount", usage.PromptTokens);
            writer.WriteNumber("candidatesTokenCount", usage.CompletionTokens - usage.ReasoningTokens);
            writer.WriteNumber("totalTokenCount", usage.TotalTokens);
            if (usage.CachedTokens > 0)
            {
                writer.WriteNumber("cachedContentTokenCount", usage.CachedTokens);
            }

            if (usage.ReasoningTokens > 0)
            {
                writer.WriteNumber("thoughtsTokenCount", usage.ReasoningTokens);
            }

            writer.WriteEndObject();
        }

        writer.WriteString("modelVersion", meta.Model);
        writer.WriteString("responseId", meta.Id);
        writer.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter writer, ReadOnlySpan<char> text, bool thought)
    {
        writer.WriteStartObject();
        writer.WriteString("text", text);
        if (thought)
        {
            writer.WriteBoolean("thought", true);
        }

        writer.WriteEndObject();
    }

    /// <summary>A functionCall part; the first one carries the thoughtSignature when the model was thinking.</summary>
    private static void WriteCallPart(Utf8JsonWriter writer, SimulatorChatRequest request, SimulatorAnswer answer, int index)
    {
        var call = answer.ToolCalls[index];
        writer.WriteStartObject();
        writer.WriteStartObject("functionCall");
        writer.WriteString("name", call.Name);
        writer.WritePropertyName("args");
        writer.WriteRawValue(call.EmbeddedArguments());
        writer.WriteEndObject();
        if (index == 0 && request.Reasoning)
        {
            writer.WriteString("thoughtSignature", SimulatorReasoningSeal.Seal(SimulatorDialect.Gemini, answer.ReasoningContent ?? call.Name));
        }

        writer.WriteEndObject();
    }

    /// <summary>One chunk per delta, then a closing chunk with finishReason and usageMetadata.</summary>
    private sealed class GeminiStream(SimulatorChatRequest request, SimulatorAnswer answer, SimulatorCompletionMeta meta, IReadOnlyList<SimulatorStreamDelta> plan, bool sendUsage)
        : SimulatorStreamWriter
    {
        private static readonly byte[] Broken = "{\"candidates\": broken json"u8.ToArray();

        public override ReadOnlyMemory<byte> MalformedJson => Broken;

        public override ValueTask WriteStartAsync(SimulatorEventStream events, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override async ValueTask WriteDeltaAsync(SimulatorEventStream events, int index, CancellationToken cancellationToken)
        {
            var delta = plan[index];
            var writer = await events.BeginEventAsync(cancellationToken);
            WriteChunkStart(writer);
            switch (delta.Kind)
            {
                case SimulatorStreamDeltaKind.Reasoning:
                    WriteTextPart(writer, answer.ReasoningContent.AsSpan()[delta.Text], thought: true);
                    break;
                case SimulatorStreamDeltaKind.Content:
                    WriteTextPart(writer, answer.Content.AsSpan()[delta.Text], thought: false);
                    break;
                default:
                    WriteCallPart(writer, request, answer, delta.CallIndex);
                    break;
            }

            WriteChunkEnd(writer, meta, answer, null, false);
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteMidstreamErrorAsync(SimulatorEventStream events, SimulatorError error, CancellationToken cancellationToken)
        {
            SimulatorJson.WriteGeminiError(await events.BeginEventAsync(cancellationToken), error with { StatusCode = StatusCodes.Status503ServiceUnavailable });
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteFinishAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            var writer = await events.BeginEventAsync(cancellationToken);
            WriteChunkStart(writer);
            WriteTextPart(writer, "", thought: false);
            WriteChunkEnd(writer, meta, answer, FinishReason(answer.FinishReason), sendUsage);
            await events.EndEventAsync(cancellationToken);
        }
    }
}
