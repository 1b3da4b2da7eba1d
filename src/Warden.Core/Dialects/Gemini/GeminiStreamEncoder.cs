using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Writes canonical stream events (from any dialect's decoder) as Gemini stream chunks, either SSE
/// (<c>data: {chunk}\r\n\r\n</c>, <c>alt=sse</c>) or the JSON-array form (<c>[chunk,chunk,…]</c>, written as it goes).
/// Text and reasoning text go out at once; a tool call's argument fragments are buffered until its block stops and
/// then sent as one whole functionCall part; the last chunk carries finishReason and usageMetadata.
/// Opaque reasoning (signatures, encrypted content, redacted data) becomes the thoughtSignature of the next part:
/// Gemini's own signatures as they are, another provider's wrapped in a <see cref="ReasoningEnvelope"/>.
/// </summary>
internal sealed class GeminiStreamEncoder(bool sse, WireDialectName? upstream) : IStreamEncoder
{
    private readonly StringBuilder _arguments = new();
    private string _id = "";
    private string _model = "";
    private Usage? _usage;
    private StopReason? _finish;
    private bool _wroteChunk;
    private bool _closed;
    private BlockKind? _kind;
    private string? _toolId;
    private string? _toolName;
    private string? _signature;
    private string? _encrypted;
    private string? _redacted;
    private string? _reasoningId;
    private string? _pendingSignature;

    // The reasoning text of the open block: a foreign provider's signature is checked against it (Anthropic's is),
    // so it travels inside the envelope too.
    private readonly System.Text.StringBuilder _reasoningText = new();

    public void Write(StreamEvent streamEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(streamEvent);
        if (_closed)
        {
            return;
        }

        switch (streamEvent)
        {
            case MessageStarted started:
                _id = started.Id;
                _model = started.Model;
                _usage = started.Usage ?? _usage;
                break;
            case BlockStarted block:
                _kind = block.Kind;
                _toolId = block.ToolCallId;
                _toolName = block.ToolName;
                _arguments.Clear();
                _reasoningText.Clear();
                _signature = null;
                _encrypted = null;
                _redacted = block.RedactedData;
                _reasoningId = block.ReasoningId;
                break;
            case TextDelta text when text.Text.Length > 0:
                WriteChunk(output, text.Text, thought: false);
                break;
            case ReasoningDelta reasoning:
                if (!string.IsNullOrEmpty(reasoning.Text))
                {
                    WriteChunk(output, reasoning.Text, thought: true);
                    _reasoningText.Append(reasoning.Text);
                }

                _signature = reasoning.Signature ?? _signature;
                _encrypted = reasoning.EncryptedContent ?? _encrypted;
                break;
            case ToolArgumentsDelta arguments:
                _arguments.Append(arguments.Json);
                break;
            case BlockStopped:
                StopBlock(output);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case MessageFinished finished:
                _finish = finished.Reason;
                break;
            default:
                // StreamFailed is turned into Fail by the relay.
                break;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        BeginChunk(output);
        using (var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("candidates"u8);
            writer.WriteStartObject();
            writer.WriteStartObject("content"u8);
            writer.WriteString("role"u8, "model"u8);
            writer.WriteStartArray("parts"u8);
            writer.WriteStartObject();
            writer.WriteString("text"u8, ""u8);
            WritePendingSignature(writer);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteString("finishReason"u8, GeminiFinishReasons.Write(_finish ?? StopReason.Unknown));
            writer.WriteNumber("index"u8, 0);
            writer.WriteEndObject();
            writer.WriteEndArray();
            GeminiUsage.Write(writer, _usage);
            writer.WriteString("modelVersion"u8, _model);
            writer.WriteString("responseId"u8, _id);
            writer.WriteEndObject();
        }

        EndChunk(output);
        if (!sse)
        {
            output.Write("]"u8);
        }
    }

    public void Fail(ClientError clientError, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        if (_closed)
        {
            return;
        }

        _closed = true;
        BeginChunk(output);
        using (var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions))
        {
            GeminiErrors.Write(writer, clientError, null);
        }

        EndChunk(output);
        if (!sse)
        {
            output.Write("]"u8);
        }
    }

    private void StopBlock(IBufferWriter<byte> output)
    {
        switch (_kind)
        {
            case BlockKind.ToolCall:
                WriteFunctionCallChunk(output);
                break;
            case BlockKind.Reasoning or BlockKind.RedactedReasoning when _signature is not null || _encrypted is not null || _redacted is not null:
                if (_pendingSignature is not null)
                {
                    WriteChunk(output, "", thought: false);
                }

                _pendingSignature = Opaque();
                break;
            default:
                break;
        }

        _kind = null;
    }

    private string Opaque()
    {
        // Unknown upstream: encrypted content can only be Responses', redacted data only Anthropic's, and a lone
        // signature is taken as Gemini's own (the one case the relay re-frames without naming the upstream).
        var origin = upstream ?? (_encrypted is not null ? WireDialectName.Responses : _redacted is not null ? WireDialectName.Anthropic : WireDialectName.Gemini);
        return origin == WireDialectName.Gemini && _signature is not null && _encrypted is null && _redacted is null
            ? _signature
            : ReasoningEnvelope.Wrap(new ReasoningBlock(_reasoningText.Length > 0 ? _reasoningText.ToString() : null, _signature, _encrypted, _redacted, _reasoningId, origin));
    }

    private void WriteChunk(IBufferWriter<byte> output, string text, bool thought)
    {
        BeginChunk(output);
        using (var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions))
        {
            StartCandidate(writer);
            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            if (thought)
            {
                writer.WriteBoolean("thought"u8, true);
            }
            else
            {
                WritePendingSignature(writer);
            }

            writer.WriteEndObject();
            EndCandidate(writer);
        }

        EndChunk(output);
    }

    private void WriteFunctionCallChunk(IBufferWriter<byte> output)
    {
        BeginChunk(output);
        using (var writer = new Utf8JsonWriter(output, GeminiJson.WriterOptions))
        {
            StartCandidate(writer);
            writer.WriteStartObject();
            writer.WriteStartObject("functionCall"u8);
            if (_toolId is not null)
            {
                writer.WriteString("id"u8, _toolId);
            }

            writer.WriteString("name"u8, _toolName ?? "");
            writer.WritePropertyName("args"u8);
            GeminiJson.WriteJsonObjectText(writer, _arguments.ToString());
            writer.WriteEndObject();
            WritePendingSignature(writer);
            writer.WriteEndObject();
            EndCandidate(writer);
        }

        EndChunk(output);
    }

    private static void StartCandidate(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("candidates"u8);
        writer.WriteStartObject();
        writer.WriteStartObject("content"u8);
        writer.WriteString("role"u8, "model"u8);
        writer.WriteStartArray("parts"u8);
    }

    private void EndCandidate(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteString("modelVersion"u8, _model);
        writer.WriteString("responseId"u8, _id);
        writer.WriteEndObject();
    }

    private void WritePendingSignature(Utf8JsonWriter writer)
    {
        if (_pendingSignature is not null)
        {
            writer.WriteString("thoughtSignature"u8, _pendingSignature);
            _pendingSignature = null;
        }
    }

    private void BeginChunk(IBufferWriter<byte> output)
    {
        if (sse)
        {
            output.Write("data: "u8);
        }
        else
        {
            output.Write(_wroteChunk ? ","u8 : "["u8);
        }

        _wroteChunk = true;
    }

    private void EndChunk(IBufferWriter<byte> output)
    {
        if (sse)
        {
            output.Write("\r\n\r\n"u8);
        }
    }
}
