using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// Anthropic Messages: message bodies with thinking / text / tool_use blocks, the named-event stream
/// (message_start, ping, content_block_start/delta/stop, message_delta, message_stop) and count_tokens.
/// Usage follows Anthropic: input_tokens excludes cache_read_input_tokens.
/// </summary>
internal sealed class SimulatorAnthropicWire : SimulatorWire
{
    public override SimulatorDialect Dialect => SimulatorDialect.Anthropic;

    public override bool TryParse(
        HttpContext context,
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error) => SimulatorAnthropicRequest.TryParse(root, countOnly, out request, out error);

    public override string ResponseId(string simRequestId) => "msg_" + SimulatorSeed.Hex24(simRequestId);

    public static string ToolUseId(SimulatorToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return "toolu_" + call.Id["call_".Length..];
    }

    public static string StopReason(string finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" => "tool_use",
        _ => "end_turn",
    };

    public override void WriteResponse(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorChatRequest request, SimulatorAnswer answer, bool includeUsage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(answer);
        writer.WriteStartObject();
        writer.WriteString("id", meta.Id);
        writer.WriteString("type", "message");
        writer.WriteString("role", "assistant");
        writer.WriteString("model", meta.Model);
        writer.WriteStartArray("content");
        if (answer.ReasoningContent is { } reasoning)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "thinking");
            writer.WriteString("thinking", reasoning);
            writer.WriteString("signature", SimulatorReasoningSeal.Sign(SimulatorDialect.Anthropic, reasoning));
            writer.WriteEndObject();
        }

        if (answer.Content is { } content)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", content);
            writer.WriteEndObject();
        }

        foreach (var call in answer.ToolCalls)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_use");
            writer.WriteString("id", ToolUseId(call));
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("input");
            writer.WriteRawValue(call.EmbeddedArguments());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("stop_reason", StopReason(answer.FinishReason));
        writer.WriteNull("stop_sequence");
        if (includeUsage)
        {
            WriteUsage(writer, answer.Usage, answer.Usage.CompletionTokens, withServiceTier: true);
        }

        writer.WriteEndObject();
    }

    public override void WriteCount(Utf8JsonWriter writer, SimulatorUsage usage) => WriteTokenCount(writer, "input_tokens", usage);

    public override SimulatorStreamWriter CreateStreamWriter(
        SimulatorChatRequest request,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        IReadOnlyList<SimulatorStreamDelta> plan,
        bool sendUsage) => new AnthropicStream(answer, meta, plan, sendUsage);

    /// <summary>
    /// The usage object: input_tokens (uncached part), cache_creation_input_tokens (0), cache_read_input_tokens,
    /// output_tokens, and service_tier where the message carries it (not in message_delta).
    /// </summary>
    private static void WriteUsage(Utf8JsonWriter writer, SimulatorUsage usage, int outputTokens, bool withServiceTier)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", usage.PromptTokens - usage.CachedTokens);
        writer.WriteNumber("cache_creation_input_tokens", 0);
        writer.WriteNumber("cache_read_input_tokens", usage.CachedTokens);
        writer.WriteNumber("output_tokens", outputTokens);
        if (withServiceTier)
        {
            writer.WriteString("service_tier", "standard");
        }

        writer.WriteEndObject();
    }

    /// <summary>Opens a block when the delta kind changes and closes it (a thinking block with its signature_delta) before the next.</summary>
    private sealed class AnthropicStream(SimulatorAnswer answer, SimulatorCompletionMeta meta, IReadOnlyList<SimulatorStreamDelta> plan, bool sendUsage)
        : SimulatorBlockStreamWriter(plan)
    {
        private static readonly byte[] Broken = "{\"type\": \"content_block_delta\", broken json"u8.ToArray();

        private int _index = -1;

        public override string? MalformedEventName => "content_block_delta";

        public override ReadOnlyMemory<byte> MalformedJson => Broken;

        public override async ValueTask WriteStartAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            var writer = await events.BeginEventAsync("message_start", cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", "message_start");
            writer.WriteStartObject("message");
            writer.WriteString("id", meta.Id);
            writer.WriteString("type", "message");
            writer.WriteString("role", "assistant");
            writer.WriteString("model", meta.Model);
            writer.WriteStartArray("content");
            writer.WriteEndArray();
            writer.WriteNull("stop_reason");
            writer.WriteNull("stop_sequence");
            if (sendUsage)
            {
                WriteUsage(writer, answer.Usage, 1, withServiceTier: true);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);

            writer = await events.BeginEventAsync("ping", cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", "ping");
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        protected override async ValueTask WriteBlockDeltaAsync(SimulatorEventStream events, SimulatorStreamDelta delta, CancellationToken cancellationToken)
        {
            var writer = await BeginBlockEventAsync(events, "content_block_delta", cancellationToken);
            writer.WriteStartObject("delta");
            switch (delta.Kind)
            {
                case SimulatorStreamDeltaKind.Reasoning:
                    writer.WriteString("type", "thinking_delta");
                    writer.WriteString("thinking", answer.ReasoningContent.AsSpan()[delta.Text]);
                    break;
                case SimulatorStreamDeltaKind.Content:
                    writer.WriteString("type", "text_delta");
                    writer.WriteString("text", answer.Content.AsSpan()[delta.Text]);
                    break;
                default:
                    writer.WriteString("type", "input_json_delta");
                    writer.WriteString("partial_json", answer.ToolCalls[delta.CallIndex].Arguments.AsSpan()[delta.Text]);
                    break;
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteMidstreamErrorAsync(SimulatorEventStream events, SimulatorError error, CancellationToken cancellationToken)
        {
            SimulatorJson.WriteAnthropicError(await events.BeginEventAsync("error", cancellationToken), error, meta.RequestId);
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteFinishAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            await CloseOpenBlockAsync(events, cancellationToken);
            var writer = await events.BeginEventAsync("message_delta", cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", "message_delta");
            writer.WriteStartObject("delta");
            writer.WriteString("stop_reason", StopReason(answer.FinishReason));
            writer.WriteNull("stop_sequence");
            writer.WriteEndObject();
            if (sendUsage)
            {
                WriteUsage(writer, answer.Usage, answer.Usage.CompletionTokens, withServiceTier: false);
            }

            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);

            writer = await events.BeginEventAsync("message_stop", cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", "message_stop");
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        private async ValueTask<Utf8JsonWriter> BeginBlockEventAsync(SimulatorEventStream events, string type, CancellationToken cancellationToken)
        {
            var writer = await events.BeginEventAsync(type, cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteNumber("index", _index);
            return writer;
        }

        protected override async ValueTask WriteBlockStartAsync(SimulatorEventStream events, SimulatorBlockKind block, int callIndex, CancellationToken cancellationToken)
        {
            _index++;
            var writer = await BeginBlockEventAsync(events, "content_block_start", cancellationToken);
            writer.WriteStartObject("content_block");
            switch (block)
            {
                case SimulatorBlockKind.Reasoning:
                    writer.WriteString("type", "thinking");
                    writer.WriteString("thinking", "");
                    writer.WriteString("signature", "");
                    break;
                case SimulatorBlockKind.Content:
                    writer.WriteString("type", "text");
                    writer.WriteString("text", "");
                    break;
                default:
                    var call = answer.ToolCalls[callIndex];
                    writer.WriteString("type", "tool_use");
                    writer.WriteString("id", ToolUseId(call));
                    writer.WriteString("name", call.Name);
                    writer.WriteStartObject("input");
                    writer.WriteEndObject();
                    break;
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        protected override async ValueTask WriteBlockEndAsync(SimulatorEventStream events, SimulatorBlockKind block, CancellationToken cancellationToken)
        {
            if (block == SimulatorBlockKind.Reasoning)
            {
                var signature = await BeginBlockEventAsync(events, "content_block_delta", cancellationToken);
                signature.WriteStartObject("delta");
                signature.WriteString("type", "signature_delta");
                signature.WriteString("signature", SimulatorReasoningSeal.Sign(SimulatorDialect.Anthropic, answer.ReasoningContent!));
                signature.WriteEndObject();
                signature.WriteEndObject();
                await events.EndEventAsync(cancellationToken);
            }

            var writer = await BeginBlockEventAsync(events, "content_block_stop", cancellationToken);
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }
    }
}
