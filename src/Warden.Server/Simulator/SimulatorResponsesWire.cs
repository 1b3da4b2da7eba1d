using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// OpenAI Responses: response objects whose output holds a reasoning item (summary + verifiable
/// encrypted_content), a message item with output_text, and function_call items; streamed as the
/// named, sequence-numbered response.* events.
/// </summary>
internal sealed class SimulatorResponsesWire : SimulatorWire
{
    public override SimulatorDialect Dialect => SimulatorDialect.Responses;

    public override bool TryParse(
        HttpContext context,
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error) => SimulatorResponsesRequest.TryParse(root, out request, out error);

    public override string ResponseId(string simRequestId) => "resp_" + SimulatorSeed.Hex24(simRequestId);

    public override void WriteResponse(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorChatRequest request, SimulatorAnswer answer, bool includeUsage)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var items = new ResponseItems(meta, answer);
        WriteResponseObject(writer, meta, answer, Status(answer), items, includeUsage, null, withOutputText: true);
    }

    public override SimulatorStreamWriter CreateStreamWriter(
        SimulatorChatRequest request,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        IReadOnlyList<SimulatorStreamDelta> plan,
        bool sendUsage) => new ResponsesStream(answer, meta, plan, sendUsage);

    private static string Status(SimulatorAnswer answer) => answer.FinishReason == "length" ? "incomplete" : "completed";

    /// <summary>
    /// The response object. <paramref name="items"/> null writes an empty output (in_progress, failed);
    /// usage is written only when <paramref name="includeUsage"/> and the response is finished.
    /// </summary>
    private static void WriteResponseObject(
        Utf8JsonWriter writer,
        SimulatorCompletionMeta meta,
        SimulatorAnswer answer,
        string status,
        ResponseItems? items,
        bool includeUsage,
        SimulatorError? error,
        bool withOutputText)
    {
        writer.WriteStartObject();
        writer.WriteString("id", meta.Id);
        writer.WriteString("object", "response");
        writer.WriteNumber("created_at", meta.Created);
        writer.WriteString("status", status);
        if (error is null)
        {
            writer.WriteNull("error");
        }
        else
        {
            writer.WriteStartObject("error");
            writer.WriteString("code", "server_error");
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        if (status == "incomplete")
        {
            writer.WriteStartObject("incomplete_details");
            writer.WriteString("reason", "max_output_tokens");
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("incomplete_details");
        }

        writer.WriteNull("instructions");
        writer.WriteNull("max_output_tokens");
        writer.WriteString("model", meta.Model);
        writer.WriteStartArray("output");
        items?.WriteAll(writer);
        writer.WriteEndArray();
        writer.WriteBoolean("parallel_tool_calls", true);
        writer.WriteNull("previous_response_id");
        writer.WriteNull("reasoning");
        writer.WriteBoolean("store", false);
        writer.WriteNumber("temperature", 1);
        writer.WriteStartObject("text");
        writer.WriteStartObject("format");
        writer.WriteString("type", "text");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteString("tool_choice", "auto");
        writer.WriteStartArray("tools");
        writer.WriteEndArray();
        writer.WriteNumber("top_p", 1);
        writer.WriteString("truncation", "disabled");
        if (includeUsage && items is not null)
        {
            var usage = answer.Usage;
            writer.WriteStartObject("usage");
            writer.WriteNumber("input_tokens", usage.PromptTokens);
            writer.WriteStartObject("input_tokens_details");
            writer.WriteNumber("cached_tokens", usage.CachedTokens);
            writer.WriteEndObject();
            writer.WriteNumber("output_tokens", usage.CompletionTokens);
            writer.WriteStartObject("output_tokens_details");
            writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
            writer.WriteEndObject();
            writer.WriteNumber("total_tokens", usage.TotalTokens);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("usage");
        }

        writer.WriteNull("user");
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
        if (withOutputText)
        {
            writer.WriteString("output_text", answer.Content ?? "");
        }

        writer.WriteEndObject();
    }

    /// <summary>The output items of one answer, with their ids, written in progress or complete.</summary>
    private sealed class ResponseItems(SimulatorCompletionMeta meta, SimulatorAnswer answer)
    {
        public string ReasoningId { get; } = "rs_" + SimulatorSeed.Hex24(meta.RequestId + "\nrs");

        public string MessageId { get; } = "msg_" + SimulatorSeed.Hex24(meta.RequestId + "\nmsg");

        public string EncryptedContent { get; } = answer.ReasoningContent is { } reasoning ? SimulatorReasoningSeal.Seal(SimulatorDialect.Responses, reasoning) : "";

        public static string FunctionCallId(SimulatorToolCall call) => "fc_" + SimulatorSeed.Hex24(call.Id);

        public void WriteAll(Utf8JsonWriter writer)
        {
            if (answer.ReasoningContent is not null)
            {
                WriteReasoning(writer, complete: true);
            }

            if (answer.Content is not null)
            {
                WriteMessage(writer, complete: true);
            }

            foreach (var call in answer.ToolCalls)
            {
                WriteFunctionCall(writer, call, complete: true);
            }
        }

        public void WriteReasoning(Utf8JsonWriter writer, bool complete)
        {
            writer.WriteStartObject();
            writer.WriteString("id", ReasoningId);
            writer.WriteString("type", "reasoning");
            writer.WriteStartArray("summary");
            if (complete)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "summary_text");
                writer.WriteString("text", answer.ReasoningContent);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("encrypted_content", EncryptedContent);
            writer.WriteEndObject();
        }

        public void WriteMessage(Utf8JsonWriter writer, bool complete)
        {
            writer.WriteStartObject();
            writer.WriteString("id", MessageId);
            writer.WriteString("type", "message");
            writer.WriteString("status", complete ? "completed" : "in_progress");
            writer.WriteString("role", "assistant");
            writer.WriteStartArray("content");
            if (complete)
            {
                WriteTextPart(writer, answer.Content ?? "");
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        public static void WriteFunctionCall(Utf8JsonWriter writer, SimulatorToolCall call, bool complete)
        {
            writer.WriteStartObject();
            writer.WriteString("id", FunctionCallId(call));
            writer.WriteString("type", "function_call");
            writer.WriteString("status", complete ? "completed" : "in_progress");
            writer.WriteString("arguments", complete ? call.Arguments : "");
            writer.WriteString("call_id", call.Id);
            writer.WriteString("name", call.Name);
            writer.WriteEndObject();
        }

        public static void WriteTextPart(Utf8JsonWriter writer, string text)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "output_text");
            writer.WriteString("text", text);
            writer.WriteStartArray("annotations");
            writer.WriteEndArray();
            writer.WriteStartArray("logprobs");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    /// <summary>Every event carries sequence_number; items open with output_item.added and close with their .done events.</summary>
    private sealed class ResponsesStream(SimulatorAnswer answer, SimulatorCompletionMeta meta, IReadOnlyList<SimulatorStreamDelta> plan, bool sendUsage)
        : SimulatorBlockStreamWriter(plan)
    {
        private static readonly byte[] Broken = "{\"type\": \"response.output_text.delta\", broken json"u8.ToArray();

        private readonly ResponseItems _items = new(meta, answer);
        private int _outputIndex = -1;
        private int _callIndex;
        private int _sequence;

        public override string? MalformedEventName => "response.output_text.delta";

        public override ReadOnlyMemory<byte> MalformedJson => Broken;

        public override async ValueTask WriteStartAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            foreach (var type in (string[])["response.created", "response.in_progress"])
            {
                var writer = await BeginAsync(events, type, cancellationToken);
                writer.WritePropertyName("response");
                WriteResponseObject(writer, meta, answer, "in_progress", null, false, null, withOutputText: false);
                await EndAsync(events, writer, cancellationToken);
            }
        }

        protected override async ValueTask WriteBlockDeltaAsync(SimulatorEventStream events, SimulatorStreamDelta delta, CancellationToken cancellationToken)
        {
            Utf8JsonWriter writer;
            switch (delta.Kind)
            {
                case SimulatorStreamDeltaKind.Reasoning:
                    var reasoning = writer = await BeginItemEventAsync(events, "response.reasoning_summary_text.delta", _items.ReasoningId, cancellationToken);
                    reasoning.WriteNumber("summary_index", 0);
                    reasoning.WriteString("delta", answer.ReasoningContent.AsSpan()[delta.Text]);
                    break;
                case SimulatorStreamDeltaKind.Content:
                    var text = writer = await BeginItemEventAsync(events, "response.output_text.delta", _items.MessageId, cancellationToken);
                    text.WriteNumber("content_index", 0);
                    text.WriteString("delta", answer.Content.AsSpan()[delta.Text]);
                    text.WriteStartArray("logprobs");
                    text.WriteEndArray();
                    break;
                default:
                    var call = answer.ToolCalls[delta.CallIndex];
                    var arguments = writer = await BeginItemEventAsync(events, "response.function_call_arguments.delta", ResponseItems.FunctionCallId(call), cancellationToken);
                    arguments.WriteString("delta", call.Arguments.AsSpan()[delta.Text]);
                    break;
            }

            await EndAsync(events, writer, cancellationToken);
        }

        public override async ValueTask WriteMidstreamErrorAsync(SimulatorEventStream events, SimulatorError error, CancellationToken cancellationToken)
        {
            var writer = await BeginAsync(events, "response.failed", cancellationToken);
            writer.WritePropertyName("response");
            WriteResponseObject(writer, meta, answer, "failed", null, false, error, withOutputText: false);
            await EndAsync(events, writer, cancellationToken);
        }

        public override async ValueTask WriteFinishAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            await CloseOpenBlockAsync(events, cancellationToken);
            var status = Status(answer);
            var writer = await BeginAsync(events, "response." + status, cancellationToken);
            writer.WritePropertyName("response");
            WriteResponseObject(writer, meta, answer, status, _items, sendUsage, null, withOutputText: false);
            await EndAsync(events, writer, cancellationToken);
        }

        private async ValueTask<Utf8JsonWriter> BeginAsync(SimulatorEventStream events, string type, CancellationToken cancellationToken)
        {
            var writer = await events.BeginEventAsync(type, cancellationToken);
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteNumber("sequence_number", _sequence++);
            return writer;
        }

        private async ValueTask<Utf8JsonWriter> BeginItemEventAsync(SimulatorEventStream events, string type, string itemId, CancellationToken cancellationToken)
        {
            var writer = await BeginAsync(events, type, cancellationToken);
            writer.WriteString("item_id", itemId);
            writer.WriteNumber("output_index", _outputIndex);
            return writer;
        }

        private static async ValueTask EndAsync(SimulatorEventStream events, Utf8JsonWriter writer, CancellationToken cancellationToken)
        {
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        protected override async ValueTask WriteBlockStartAsync(SimulatorEventStream events, SimulatorBlockKind item, int callIndex, CancellationToken cancellationToken)
        {
            _outputIndex++;
            _callIndex = callIndex;
            await WriteOutputItemEventAsync(events, "response.output_item.added", item, complete: false, cancellationToken);
            if (item == SimulatorBlockKind.Reasoning)
            {
                var part = await BeginItemEventAsync(events, "response.reasoning_summary_part.added", _items.ReasoningId, cancellationToken);
                part.WriteNumber("summary_index", 0);
                WriteSummaryPart(part, "");
                part.WriteEndObject();
                await events.EndEventAsync(cancellationToken);
            }
            else if (item == SimulatorBlockKind.Content)
            {
                var part = await BeginItemEventAsync(events, "response.content_part.added", _items.MessageId, cancellationToken);
                part.WriteNumber("content_index", 0);
                part.WritePropertyName("part");
                ResponseItems.WriteTextPart(part, "");
                part.WriteEndObject();
                await events.EndEventAsync(cancellationToken);
            }
        }

        protected override async ValueTask WriteBlockEndAsync(SimulatorEventStream events, SimulatorBlockKind item, CancellationToken cancellationToken)
        {
            switch (item)
            {
                case SimulatorBlockKind.Reasoning:
                    var reasoning = answer.ReasoningContent ?? "";
                    var textDone = await BeginItemEventAsync(events, "response.reasoning_summary_text.done", _items.ReasoningId, cancellationToken);
                    textDone.WriteNumber("summary_index", 0);
                    textDone.WriteString("text", reasoning);
                    textDone.WriteEndObject();
                    await events.EndEventAsync(cancellationToken);
                    var partDone = await BeginItemEventAsync(events, "response.reasoning_summary_part.done", _items.ReasoningId, cancellationToken);
                    partDone.WriteNumber("summary_index", 0);
                    WriteSummaryPart(partDone, reasoning);
                    partDone.WriteEndObject();
                    await events.EndEventAsync(cancellationToken);
                    break;
                case SimulatorBlockKind.Content:
                    var content = answer.Content ?? "";
                    var outputDone = await BeginItemEventAsync(events, "response.output_text.done", _items.MessageId, cancellationToken);
                    outputDone.WriteNumber("content_index", 0);
                    outputDone.WriteString("text", content);
                    outputDone.WriteStartArray("logprobs");
                    outputDone.WriteEndArray();
                    outputDone.WriteEndObject();
                    await events.EndEventAsync(cancellationToken);
                    var contentDone = await BeginItemEventAsync(events, "response.content_part.done", _items.MessageId, cancellationToken);
                    contentDone.WriteNumber("content_index", 0);
                    contentDone.WritePropertyName("part");
                    ResponseItems.WriteTextPart(contentDone, content);
                    contentDone.WriteEndObject();
                    await events.EndEventAsync(cancellationToken);
                    break;
                default:
                    var call = answer.ToolCalls[_callIndex];
                    var argumentsDone = await BeginItemEventAsync(events, "response.function_call_arguments.done", ResponseItems.FunctionCallId(call), cancellationToken);
                    argumentsDone.WriteString("arguments", call.Arguments);
                    argumentsDone.WriteEndObject();
                    await events.EndEventAsync(cancellationToken);
                    break;
            }

            await WriteOutputItemEventAsync(events, "response.output_item.done", item, complete: true, cancellationToken);
        }

        /// <summary>response.output_item.added / .done: the item of the open block, in progress or complete.</summary>
        private async ValueTask WriteOutputItemEventAsync(SimulatorEventStream events, string type, SimulatorBlockKind item, bool complete, CancellationToken cancellationToken)
        {
            var writer = await BeginAsync(events, type, cancellationToken);
            writer.WriteNumber("output_index", _outputIndex);
            writer.WritePropertyName("item");
            switch (item)
            {
                case SimulatorBlockKind.Reasoning: _items.WriteReasoning(writer, complete); break;
                case SimulatorBlockKind.Content: _items.WriteMessage(writer, complete); break;
                default: ResponseItems.WriteFunctionCall(writer, answer.ToolCalls[_callIndex], complete); break;
            }

            await EndAsync(events, writer, cancellationToken);
        }

        private static void WriteSummaryPart(Utf8JsonWriter writer, string text)
        {
            writer.WriteStartObject("part");
            writer.WriteString("type", "summary_text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }
    }
}
