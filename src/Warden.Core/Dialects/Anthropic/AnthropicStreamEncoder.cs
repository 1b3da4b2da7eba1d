using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Writes canonical stream events (from any dialect's decoder) as Anthropic Messages SSE for the client:
/// message_start, content_block_start / _delta / _stop numbered in order, then at <see cref="Complete"/> one
/// message_delta with stop_reason and usage, and message_stop. Reasoning of another dialect gets a signature_delta
/// with a <see cref="ReasoningEnvelope"/> at block stop, so its opaque parts come back on the next turn.
/// </summary>
internal sealed class AnthropicStreamEncoder : IStreamEncoder
{
    private readonly WireDialectName? _upstreamDialect;
    private readonly string _requestedModel;
    private WireDialectName _reasoningOrigin = WireDialectName.Anthropic;
    private bool _started;
    private bool _closed;
    private int _nextIndex;
    private int? _openIndex;
    private BlockKind _openKind;
    private PendingReasoning? _pending;

    // One JSON writer for the whole stream, reset onto the output for each event instead of a new one per event.
    // Never disposed between events: a disposed writer cannot be reset.
    private Utf8JsonWriter? _writer;
    private Chat.Usage? _usage;
    private StopReason _stopReason = StopReason.Unknown;
    private string? _stopSequence;

    /// <param name="request">The client's request (its model names the answer if the upstream never says).</param>
    /// <param name="upstreamDialect">The dialect the events come from; when null it is recognised from the message id.</param>
    public AnthropicStreamEncoder(CanonicalRequest request, WireDialectName? upstreamDialect)
    {
        ArgumentNullException.ThrowIfNull(request);
        _requestedModel = request.Model;
        _upstreamDialect = upstreamDialect;
    }

    public void Write(StreamEvent streamEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(streamEvent);
        if (_closed)
        {
            return;
        }

        if (streamEvent is MessageStarted started)
        {
            Start(started, output);
            return;
        }

        EnsureStarted(output);
        bool open = _openIndex is not null;
        switch (streamEvent)
        {
            case BlockStarted block:
                StartBlock(block, output);
                break;
            case TextDelta text when open && _openKind == BlockKind.Text && text.Text.Length > 0:
                WriteDelta(output, "text_delta"u8, "text"u8, text.Text);
                break;
            case ReasoningDelta reasoning when open && _openKind == BlockKind.Reasoning:
                WriteReasoning(reasoning, output);
                break;
            case ToolArgumentsDelta arguments when open && _openKind == BlockKind.ToolCall && arguments.Json.Length > 0:
                WriteDelta(output, "input_json_delta"u8, "partial_json"u8, arguments.Json);
                break;
            case BlockStopped:
                StopBlock(output);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case MessageFinished finished:
                _stopReason = finished.Reason;
                _stopSequence = finished.StopSequence;
                break;
            case StreamFailed failed:
                WriteError(output, AnthropicErrors.TypeOf(failed.Kind), failed.Message);
                break;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (_closed)
        {
            return;
        }

        EnsureStarted(output);
        StopBlock(output);
        var writer = BeginEvent(output, "message_delta"u8);
        writer.WriteStartObject("delta"u8);
        writer.WriteString("stop_reason"u8, AnthropicStopReasons.ToWire(_stopReason));
        if (_stopSequence is null)
        {
            writer.WriteNull("stop_sequence"u8);
        }
        else
        {
            writer.WriteString("stop_sequence"u8, _stopSequence);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("usage"u8);
        AnthropicUsage.FromCanonical(_usage).WriteMembers(writer);
        writer.WriteEndObject();
        EndEvent(writer, output);

        writer = BeginEvent(output, "message_stop"u8);
        EndEvent(writer, output);

        _closed = true;
    }

    public void Fail(ClientError clientError, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        if (!_closed)
        {
            WriteError(output, AnthropicErrors.TypeOf(clientError.Kind), clientError.Message);
        }
    }

    private void Start(MessageStarted started, IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _reasoningOrigin = _upstreamDialect ?? GuessDialect(started.Id);
        _usage = started.Usage;
        var usage = AnthropicUsage.FromCanonical(started.Usage) with { OutputTokens = 0 };
        var writer = BeginEvent(output, "message_start"u8);
        writer.WriteStartObject("message"u8);
        writer.WriteString("id"u8, AnthropicResponseEncoder.MessageId(started.Id));
        writer.WriteString("type"u8, "message"u8);
        writer.WriteString("role"u8, "assistant"u8);
        writer.WriteString("model"u8, string.IsNullOrEmpty(started.Model) ? _requestedModel : started.Model);
        writer.WriteStartArray("content"u8);
        writer.WriteEndArray();
        writer.WriteNull("stop_reason"u8);
        writer.WriteNull("stop_sequence"u8);
        writer.WriteStartObject("usage"u8);
        usage.WriteMembers(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
        EndEvent(writer, output);
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (!_started)
        {
            Start(new MessageStarted(string.Empty, _requestedModel, null), output);
        }
    }

    /// <summary>
    /// Which provider produced the reasoning, when the caller did not say: only Anthropic ids start with "msg_",
    /// Responses ids with "resp_", Chat ids with "chatcmpl"; anything else is taken for Gemini.
    /// </summary>
    private static WireDialectName GuessDialect(string id) =>
        id.StartsWith("msg_", StringComparison.Ordinal) ? WireDialectName.Anthropic
        : id.StartsWith("resp_", StringComparison.Ordinal) ? WireDialectName.Responses
        : id.StartsWith("chatcmpl", StringComparison.Ordinal) ? WireDialectName.OpenAIChat
        : WireDialectName.Gemini;

    private void StartBlock(BlockStarted block, IBufferWriter<byte> output)
    {
        StopBlock(output);
        int index = _nextIndex++;
        _openIndex = index;
        _openKind = block.Kind;
        bool foreignReasoning = _reasoningOrigin != WireDialectName.Anthropic && block.Kind is BlockKind.Reasoning or BlockKind.RedactedReasoning;
        if (foreignReasoning)
        {
            // Another provider's reasoning: always an ordinary thinking block, its opaque parts wrapped at block stop.
            _openKind = BlockKind.Reasoning;
            _pending = new PendingReasoning(block.ReasoningId, block.RedactedData);
        }

        var writer = BeginEvent(output, "content_block_start"u8);
        writer.WriteNumber("index"u8, index);
        writer.WriteStartObject("content_block"u8);
        switch (_openKind)
        {
            case BlockKind.Text:
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, string.Empty);
                break;
            case BlockKind.Reasoning:
                writer.WriteString("type"u8, "thinking"u8);
                writer.WriteString("thinking"u8, string.Empty);
                writer.WriteString("signature"u8, string.Empty);
                break;
            case BlockKind.RedactedReasoning:
                writer.WriteString("type"u8, "redacted_thinking"u8);
                writer.WriteString("data"u8, block.RedactedData ?? string.Empty);
                break;
            case BlockKind.ToolCall:
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WriteString("id"u8, block.ToolCallId ?? string.Empty);
                writer.WriteString("name"u8, block.ToolName ?? string.Empty);
                writer.WriteStartObject("input"u8);
                writer.WriteEndObject();
                break;
        }

        writer.WriteEndObject();
        EndEvent(writer, output);
    }

    private void WriteReasoning(ReasoningDelta reasoning, IBufferWriter<byte> output)
    {
        if (reasoning.Text is { Length: > 0 } text)
        {
            WriteDelta(output, "thinking_delta"u8, "thinking"u8, text);
        }

        if (_pending is { } pending)
        {
            pending.Signature.Append(reasoning.Signature);
            pending.EncryptedContent.Append(reasoning.EncryptedContent);
        }
        else if (reasoning.Signature is { Length: > 0 } signature)
        {
            WriteDelta(output, "signature_delta"u8, "signature"u8, signature);
        }
    }

    private void StopBlock(IBufferWriter<byte> output)
    {
        if (_openIndex is not int index)
        {
            return;
        }

        if (_pending is { } pending)
        {
            var block = new ReasoningBlock(
                null,
                pending.Signature.Length > 0 ? pending.Signature.ToString() : null,
                pending.EncryptedContent.Length > 0 ? pending.EncryptedContent.ToString() : null,
                pending.RedactedData,
                pending.Id,
                _reasoningOrigin);
            WriteDelta(output, "signature_delta"u8, "signature"u8, ReasoningEnvelope.Wrap(block));
            _pending = null;
        }

        var writer = BeginEvent(output, "content_block_stop"u8);
        writer.WriteNumber("index"u8, index);
        EndEvent(writer, output);

        _openIndex = null;
    }

    private void WriteDelta(IBufferWriter<byte> output, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, string value)
    {
        var writer = BeginEvent(output, "content_block_delta"u8);
        writer.WriteNumber("index"u8, _openIndex ?? 0);
        writer.WriteStartObject("delta"u8);
        writer.WriteString("type"u8, deltaType);
        writer.WriteString(field, value);
        writer.WriteEndObject();
        EndEvent(writer, output);
    }

    private void WriteError(IBufferWriter<byte> output, string type, string message)
    {
        WriteEventHeader(output, "error"u8);
        using (var writer = new Utf8JsonWriter(output, AnthropicJson.WriterOptions))
        {
            AnthropicErrors.WriteObject(writer, type, message, null);
        }

        output.Write("\n\n"u8);
        _closed = true;
    }

    /// <summary>Writes "event: &lt;type&gt;\ndata: " and opens the data object with its "type" member.</summary>
    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType)
    {
        WriteEventHeader(output, eventType);
        var writer = _writer ??= new Utf8JsonWriter(output, AnthropicJson.WriterOptions);
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, eventType);
        return writer;
    }

    /// <summary>Closes the data object and the SSE event.</summary>
    private static void EndEvent(Utf8JsonWriter writer, IBufferWriter<byte> output)
    {
        writer.WriteEndObject();
        writer.Flush();
        output.Write("\n\n"u8);
    }

    private static void WriteEventHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType)
    {
        output.Write("event: "u8);
        output.Write(eventType);
        output.Write("\ndata: "u8);
    }

    /// <summary>The opaque parts of a foreign reasoning block, gathered until the block stops.</summary>
    private sealed class PendingReasoning(string? id, string? redactedData)
    {
        public string? Id { get; } = id;

        public string? RedactedData { get; } = redactedData;

        public StringBuilder Signature { get; } = new();

        public StringBuilder EncryptedContent { get; } = new();
    }
}
