using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Turns canonical stream events of any origin into <c>chat.completion.chunk</c> SSE for a Chat client. Every chunk
/// carries the same id (deterministic from the upstream's), created and model. The first chunk has
/// <c>{role:"assistant", content:""}</c>; a finish chunk with finish_reason always comes (Qwen Code fails without
/// one): at <see cref="MessageFinished"/>, or at <see cref="Complete"/> with the last known reason; then the usage
/// chunk (<c>choices:[]</c>) when the client asked for include_usage, then <c>data: [DONE]</c>. Opaque reasoning
/// (signatures, encrypted content, redacted thinking) has no place in Chat chunks and is not written.
/// </summary>
internal sealed class ChatStreamEncoder : IStreamEncoder
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly CanonicalRequest _request;
    private readonly long _created;
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private string _id = "chatcmpl-";
    private string _model;
    private bool _started;
    private bool _finishWritten;
    private bool _ended;
    private StopReason _lastReason = StopReason.EndTurn;
    private Usage? _usage;
    private Utf8JsonWriter? _writer;

    public ChatStreamEncoder(CanonicalRequest request, long created)
    {
        _request = request;
        _created = created;
        _model = request.Model;
    }

    public void Write(StreamEvent streamEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_ended)
        {
            return;
        }

        switch (streamEvent)
        {
            case MessageStarted started:
                _id = ChatIds.CompletionId(started.Id);
                if (started.Model.Length > 0)
                {
                    _model = started.Model;
                }

                if (started.Usage is { Source: not UsageSource.NotReported } startUsage)
                {
                    _usage = startUsage;
                }

                EnsureStarted(output);
                break;
            case BlockStarted { Kind: BlockKind.ToolCall } block:
                EnsureStarted(output);
                int toolIndex = _toolIndexByBlock.Count;
                _toolIndexByBlock[block.Index] = toolIndex;
                WriteChunk(output, DeltaKind.ToolStart, null, toolIndex, block.ToolCallId ?? string.Empty, block.ToolName ?? string.Empty);
                break;
            case TextDelta text when text.Text.Length > 0:
                EnsureStarted(output);
                WriteChunk(output, DeltaKind.Content, text.Text);
                break;
            case ReasoningDelta { Text: { Length: > 0 } reasoning }:
                EnsureStarted(output);
                WriteChunk(output, DeltaKind.Reasoning, reasoning);
                break;
            case ToolArgumentsDelta arguments when _toolIndexByBlock.TryGetValue(arguments.Index, out int index):
                EnsureStarted(output);
                WriteChunk(output, DeltaKind.ToolArguments, arguments.Json, index);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case MessageFinished finished:
                EnsureStarted(output);
                _lastReason = finished.Reason;
                WriteFinish(output);
                break;
            case StreamFailed failed:
                // The upstream's own in-stream error: the client gets an OpenAI error chunk and nothing after it.
                Fail(new ClientError(502, ClientErrorKind.UpstreamFailed, failed.Message, null, "upstream_error"), output);
                break;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_ended)
        {
            return;
        }

        EnsureStarted(output);
        WriteFinish(output);
        if (_request.IncludeUsage == true && _usage is { Source: not UsageSource.NotReported } usage)
        {
            // Without any reported usage there is nothing true to put in the chunk, so it is left out (clients
            // accept a stream without it).
            WriteChunk(output, DeltaKind.UsageOnly, usage: usage);
        }

        output.Write(Done);
        _ended = true;
    }

    public void Fail(ClientError clientError, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        ArgumentNullException.ThrowIfNull(output);
        if (_ended)
        {
            return;
        }

        output.Write(DataPrefix);
        OpenAIErrorWriter.Write(output, clientError.Message, ChatErrors.TypeOf(clientError), clientError.Param, clientError.Code);
        output.Write(EventEnd);
        _ended = true;
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        WriteChunk(output, DeltaKind.Role);
    }

    private void WriteFinish(IBufferWriter<byte> output)
    {
        if (_finishWritten)
        {
            return;
        }

        _finishWritten = true;
        WriteChunk(output, DeltaKind.Finish, ChatFinishReasons.ToChat(_lastReason));
    }

    /// <summary>Writes one <c>data: {chunk}\n\n</c> whose choice 0 carries the delta <paramref name="kind"/> says.</summary>
    private void WriteChunk(IBufferWriter<byte> output, DeltaKind kind, string? text = null, int toolIndex = 0, string? toolId = null, string? toolName = null, Usage? usage = null)
    {
        output.Write(DataPrefix);

        // One JSON writer for the whole stream, reset onto the output for each chunk (never disposed between chunks:
        // a disposed writer cannot be reset).
        var writer = _writer ??= new Utf8JsonWriter(output, ChatJson.WriterOptions);
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString("id"u8, _id);
        writer.WriteString("object"u8, "chat.completion.chunk");
        writer.WriteNumber("created"u8, _created);
        writer.WriteString("model"u8, _model);
        writer.WriteStartArray("choices"u8);
        if (kind != DeltaKind.UsageOnly)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, 0);
            writer.WriteStartObject("delta"u8);
            WriteDelta(writer, kind, text, toolIndex, toolId, toolName);
            writer.WriteEndObject();
            writer.WriteNull("logprobs"u8);
            if (kind == DeltaKind.Finish)
            {
                writer.WriteString("finish_reason"u8, text);
            }
            else
            {
                writer.WriteNull("finish_reason"u8);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (usage is not null)
        {
            ChatUsage.Write(writer, usage);
        }
        else if (_request.IncludeUsage == true)
        {
            writer.WriteNull("usage"u8);
        }

        writer.WriteEndObject();
        writer.Flush();
        output.Write(EventEnd);
    }

    private static void WriteDelta(Utf8JsonWriter writer, DeltaKind kind, string? text, int toolIndex, string? toolId, string? toolName)
    {
        switch (kind)
        {
            case DeltaKind.Role:
                writer.WriteString("role"u8, "assistant");
                writer.WriteString("content"u8, string.Empty);
                break;
            case DeltaKind.Content:
                writer.WriteString("content"u8, text);
                break;
            case DeltaKind.Reasoning:
                writer.WriteString("reasoning_content"u8, text);
                break;
            case DeltaKind.ToolStart or DeltaKind.ToolArguments:
                writer.WriteStartArray("tool_calls"u8);
                writer.WriteStartObject();
                writer.WriteNumber("index"u8, toolIndex);
                if (kind == DeltaKind.ToolStart)
                {
                    writer.WriteString("id"u8, toolId);
                    writer.WriteString("type"u8, "function");
                }

                writer.WriteStartObject("function"u8);
                if (kind == DeltaKind.ToolStart)
                {
                    writer.WriteString("name"u8, toolName);
                }

                writer.WriteString("arguments"u8, kind == DeltaKind.ToolStart ? string.Empty : text);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndArray();
                break;
        }
    }

    /// <summary>What a chunk's delta holds.</summary>
    private enum DeltaKind
    {
        /// <summary>The first chunk: role and empty content.</summary>
        Role,
        Content,
        Reasoning,
        ToolStart,
        ToolArguments,

        /// <summary>An empty delta with the finish_reason.</summary>
        Finish,

        /// <summary>The usage chunk: no choices.</summary>
        UsageOnly,
    }
}
