using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Turns canonical stream events (from any upstream dialect) into the Responses API event stream a Codex or SDK
/// client reads: response.created and response.in_progress, then per block output_item.added, its deltas, the
/// *.done events and output_item.done with the complete item, and at the end response.completed (or
/// response.incomplete) carrying the full response with every item and the usage. It keeps item ids, output
/// indices and the sequence number; Codex builds its answer from output_item.done and needs response.completed.
/// </summary>
public sealed class ResponsesStreamEncoder : IStreamEncoder
{
    private readonly CanonicalRequest _request;
    private readonly WireDialectName? _upstreamDialect;
    private readonly IReadOnlySet<string> _namespaces;
    private readonly long _createdAt;
    private readonly List<byte[]> _items = [];
    private readonly ArrayBufferWriter<byte> _scratch = new(1024);
    private long _sequence;
    private bool _started;
    private bool _done;
    private string _upstreamId = "warden";
    private string _responseId = "resp_warden";
    private string _model = string.Empty;
    private Chat.Usage? _usage;
    private StopReason _stop = StopReason.EndTurn;
    private OpenItem? _open;

    /// <param name="request">The client's request (namespaces, echoed settings).</param>
    /// <param name="upstreamDialect">
    /// The dialect of the upstream whose events are fed in; it names the origin of reasoning signatures wrapped into
    /// encrypted_content. When null, a signature is taken to be Anthropic's (the only other dialect that signs
    /// streamed reasoning blocks).
    /// </param>
    /// <param name="timeProvider">Sets created_at; 0 when not given.</param>
    public ResponsesStreamEncoder(CanonicalRequest request, WireDialectName? upstreamDialect = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        _request = request;
        _upstreamDialect = upstreamDialect;
        _namespaces = ResponsesNamespaces.Declared(request);
        _createdAt = timeProvider?.GetUtcNow().ToUnixTimeSeconds() ?? 0;
    }

    /// <summary>
    /// Continues the numbering of a stream someone else began: when bytes were passed through from a Responses
    /// upstream and Warden must add its own closing event, that event follows the upstream's last sequence number.
    /// </summary>
    public void ContinueAfter(long sequenceNumber) => _sequence = sequenceNumber + 1;

    /// <summary>Reads an event's top-level sequence_number, for <see cref="ContinueAfter"/>.</summary>
    public static bool TryReadSequenceNumber(ReadOnlySpan<byte> data, out long sequenceNumber)
    {
        sequenceNumber = 0;
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool wanted = reader.ValueTextEquals("sequence_number"u8);
                reader.Read();
                if (wanted)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out sequenceNumber);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: no number.
        }

        return false;
    }

    public void Write(StreamEvent streamEvent, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(streamEvent);
        ArgumentNullException.ThrowIfNull(output);
        if (_done)
        {
            return;
        }

        switch (streamEvent)
        {
            case MessageStarted started:
                Start(started, output);
                break;
            case BlockStarted block:
                Start(null, output);
                CloseItem(output);
                BeginItem(block, output);
                break;
            case TextDelta text when _open is { Kind: BlockKind.Text } item:
                item.Text.Append(text.Text);
                Event(output, "response.output_text.delta", w =>
                {
                    Locate(w, item);
                    w.WriteNumber("content_index", 0);
                    w.WriteString("delta", text.Text);
                    w.WriteStartArray("logprobs");
                    w.WriteEndArray();
                });
                break;
            case ReasoningDelta reasoning when _open is { Kind: BlockKind.Reasoning or BlockKind.RedactedReasoning } item:
                WriteReasoningDelta(reasoning, item, output);
                break;
            case ToolArgumentsDelta args when _open is { Kind: BlockKind.ToolCall } item:
                item.Text.Append(args.Json);
                Event(output, "response.function_call_arguments.delta", w =>
                {
                    Locate(w, item);
                    w.WriteString("delta", args.Json);
                });
                break;
            case BlockStopped:
                CloseItem(output);
                break;
            case UsageReported usage:
                _usage = usage.Usage;
                break;
            case MessageFinished finished:
                _stop = finished.Reason;
                break;
            case StreamFailed failed:
                Fail(new ClientError(502, ClientErrorKind.UpstreamFailed, failed.Message), output);
                break;
            default:
                break;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_done)
        {
            return;
        }

        Start(null, output);
        CloseItem(output);
        var (status, incomplete) = ResponsesStatus.FromStopReason(_stop);
        var header = new ResponsesResponseObject.Header(_responseId, _createdAt, _model, status, incomplete, _usage);
        Event(output, status == "completed" ? "response.completed" : "response.incomplete", w => WriteResponse(w, header, withItems: true));
        _done = true;
    }

    public void Fail(ClientError clientError, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        ArgumentNullException.ThrowIfNull(output);
        if (_done)
        {
            return;
        }

        Start(null, output);
        string code = clientError.Code ?? clientError.Kind switch
        {
            ClientErrorKind.RateLimited => "rate_limit_exceeded",
            ClientErrorKind.Overloaded => "server_is_overloaded",
            ClientErrorKind.InvalidRequest => "invalid_prompt",
            _ => "server_error",
        };
        var header = new ResponsesResponseObject.Header(_responseId, _createdAt, _model, "failed", null, _usage) { Error = (code, clientError.Message) };
        Event(output, "response.failed", w => WriteResponse(w, header, withItems: true));
        _done = true;
    }

    private void Start(MessageStarted? started, IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        if (started is not null)
        {
            _upstreamId = started.Id.Length > 0 ? started.Id : _upstreamId;
            _model = started.Model;
            _usage = started.Usage;
        }

        _responseId = ResponsesIds.Response(_upstreamId);
        var header = new ResponsesResponseObject.Header(_responseId, _createdAt, _model, "in_progress", null, null);
        Event(output, "response.created", w => WriteResponse(w, header, withItems: false));
        Event(output, "response.in_progress", w => WriteResponse(w, header, withItems: false));
    }

    private void BeginItem(BlockStarted block, IBufferWriter<byte> output)
    {
        int outputIndex = _items.Count;
        switch (block.Kind)
        {
            case BlockKind.Text:
                {
                    var item = new OpenItem(BlockKind.Text, ResponsesIds.Item("msg", _upstreamId, outputIndex), outputIndex);
                    _open = item;
                    Event(output, "response.output_item.added", w =>
                    {
                        w.WriteNumber("output_index", outputIndex);
                        w.WritePropertyName("item");
                        ResponsesOutputItems.WriteMessage(w, item.Id, "in_progress", []);
                    });
                    Event(output, "response.content_part.added", w =>
                    {
                        Locate(w, item);
                        w.WriteNumber("content_index", 0);
                        w.WritePropertyName("part");
                        ResponsesOutputItems.WriteOutputText(w, string.Empty);
                    });
                    break;
                }

            case BlockKind.ToolCall:
                {
                    var item = new OpenItem(BlockKind.ToolCall, ResponsesIds.Item("fc", _upstreamId, outputIndex), outputIndex)
                    {
                        CallId = block.ToolCallId ?? ResponsesIds.Item("call", _upstreamId, outputIndex),
                        Name = block.ToolName ?? string.Empty,
                    };
                    _open = item;
                    Event(output, "response.output_item.added", w =>
                    {
                        w.WriteNumber("output_index", outputIndex);
                        w.WritePropertyName("item");
                        ResponsesOutputItems.WriteFunctionCall(w, item.Id, "in_progress", item.CallId, item.Name, _namespaces, string.Empty);
                    });
                    break;
                }

            default:
                {
                    bool own = _upstreamDialect == WireDialectName.Responses && block.ReasoningId is not null;
                    var item = new OpenItem(block.Kind, own ? block.ReasoningId! : ResponsesIds.Item("rs", _upstreamId, outputIndex), outputIndex)
                    {
                        ReasoningId = block.ReasoningId,
                        RedactedData = block.RedactedData,
                    };
                    _open = item;
                    Event(output, "response.output_item.added", w =>
                    {
                        w.WriteNumber("output_index", outputIndex);
                        w.WritePropertyName("item");
                        ResponsesOutputItems.WriteReasoning(w, item.Id, [], null);
                    });
                    break;
                }
        }
    }

    private void WriteReasoningDelta(ReasoningDelta reasoning, OpenItem item, IBufferWriter<byte> output)
    {
        item.Signature = reasoning.Signature ?? item.Signature;
        item.EncryptedContent = reasoning.EncryptedContent ?? item.EncryptedContent;
        if (string.IsNullOrEmpty(reasoning.Text))
        {
            return;
        }

        if (!item.SummaryOpen)
        {
            item.SummaryOpen = true;
            Event(output, "response.reasoning_summary_part.added", w =>
            {
                Locate(w, item);
                w.WriteNumber("summary_index", 0);
                WriteSummaryPart(w, string.Empty);
            });
        }

        item.Text.Append(reasoning.Text);
        Event(output, "response.reasoning_summary_text.delta", w =>
        {
            Locate(w, item);
            w.WriteNumber("summary_index", 0);
            w.WriteString("delta", reasoning.Text);
        });
    }

    private void CloseItem(IBufferWriter<byte> output)
    {
        if (_open is not { } item)
        {
            return;
        }

        _open = null;
        string text = item.Text.ToString();
        byte[] complete;
        switch (item.Kind)
        {
            case BlockKind.Text:
                Event(output, "response.output_text.done", w =>
                {
                    Locate(w, item);
                    w.WriteNumber("content_index", 0);
                    w.WriteString("text", text);
                    w.WriteStartArray("logprobs");
                    w.WriteEndArray();
                });
                Event(output, "response.content_part.done", w =>
                {
                    Locate(w, item);
                    w.WriteNumber("content_index", 0);
                    w.WritePropertyName("part");
                    ResponsesOutputItems.WriteOutputText(w, text);
                });
                complete = Item(w => ResponsesOutputItems.WriteMessage(w, item.Id, "completed", [text]));
                break;
            case BlockKind.ToolCall:
                Event(output, "response.function_call_arguments.done", w =>
                {
                    Locate(w, item);
                    w.WriteString("arguments", text);
                });
                complete = Item(w => ResponsesOutputItems.WriteFunctionCall(w, item.Id, "completed", item.CallId!, item.Name!, _namespaces, text));
                break;
            default:
                if (item.SummaryOpen)
                {
                    Event(output, "response.reasoning_summary_text.done", w =>
                    {
                        Locate(w, item);
                        w.WriteNumber("summary_index", 0);
                        w.WriteString("text", text);
                    });
                    Event(output, "response.reasoning_summary_part.done", w =>
                    {
                        Locate(w, item);
                        w.WriteNumber("summary_index", 0);
                        WriteSummaryPart(w, text);
                    });
                }

                string? encrypted = EncryptedContentFor(item, text);
                complete = Item(w => ResponsesOutputItems.WriteReasoning(w, item.Id, item.SummaryOpen ? [text] : [], encrypted));
                break;
        }

        _items.Add(complete);
        Event(output, "response.output_item.done", w =>
        {
            w.WriteNumber("output_index", item.OutputIndex);
            w.WritePropertyName("item");
            w.WriteRawValue(complete, skipInputValidation: true);
        });
    }

    // Responses reasoning keeps its own encrypted_content; another origin's signature or redacted data travels in an envelope.
    private string? EncryptedContentFor(OpenItem item, string text)
    {
        var origin = _upstreamDialect ?? (item.EncryptedContent is not null && item.Signature is null ? WireDialectName.Responses : WireDialectName.Anthropic);
        if (origin == WireDialectName.Responses)
        {
            return item.EncryptedContent;
        }

        if (item.Signature is null && item.EncryptedContent is null && item.RedactedData is null)
        {
            return null;
        }

        var block = new ReasoningBlock(text.Length > 0 ? text : null, item.Signature, item.EncryptedContent, item.RedactedData, item.ReasoningId, origin);
        return ReasoningEnvelope.Wrap(block);
    }

    private void WriteResponse(Utf8JsonWriter writer, ResponsesResponseObject.Header header, bool withItems)
    {
        writer.WritePropertyName("response");
        ResponsesResponseObject.Write(writer, header, _request, w =>
        {
            if (withItems)
            {
                foreach (byte[] item in _items)
                {
                    w.WriteRawValue(item, skipInputValidation: true);
                }
            }
        });
    }

    private static void WriteSummaryPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject("part");
        writer.WriteString("type", "summary_text");
        writer.WriteString("text", text);
        writer.WriteEndObject();
    }

    private static void Locate(Utf8JsonWriter writer, OpenItem item)
    {
        writer.WriteString("item_id", item.Id);
        writer.WriteNumber("output_index", item.OutputIndex);
    }

    private static byte[] Item(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ResponsesJson.WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // One SSE event: "event: <type>\ndata: {"type":…,"sequence_number":n,…}\n\n".
    private void Event(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> body)
    {
        _scratch.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_scratch, ResponsesJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteNumber("sequence_number", _sequence++);
            body(writer);
            writer.WriteEndObject();
        }

        WriteAscii(output, "event: ");
        WriteAscii(output, type);
        WriteAscii(output, "\ndata: ");
        output.Write(_scratch.WrittenSpan);
        WriteAscii(output, "\n\n");
    }

    private static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        int written = Encoding.ASCII.GetBytes(text, span);
        output.Advance(written);
    }

    private sealed class OpenItem(BlockKind kind, string id, int outputIndex)
    {
        public BlockKind Kind { get; } = kind;

        public string Id { get; } = id;

        public int OutputIndex { get; } = outputIndex;

        public StringBuilder Text { get; } = new();

        public string? CallId { get; init; }

        public string? Name { get; init; }

        public string? ReasoningId { get; init; }

        public string? RedactedData { get; init; }

        public string? Signature { get; set; }

        public string? EncryptedContent { get; set; }

        public bool SummaryOpen { get; set; }
    }
}
