using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Turns one upstream's Messages SSE stream into canonical events. Block kinds with no canonical form (server tool
/// blocks such as server_tool_use or web_search_tool_result) are not passed on, so canonical indices are kept
/// separately from the upstream's. message_stop is the end marker; usage merges message_start's and
/// message_delta's numbers (message_delta's are cumulative).
/// </summary>
internal sealed class AnthropicStreamDecoder : IStreamDecoder
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = AnthropicJson.MaxDepth };

    private readonly Dictionary<int, int> _indices = [];
    private AnthropicUsage _usage = AnthropicUsage.Empty;
    private bool _started;
    private bool _stopped;
    private bool _finished;
    private int _nextIndex;
    private int? _openIndex;

    public bool Decode(string eventType, ReadOnlySpan<byte> data, List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);

        // Nearly every event of a stream is a content_block_delta: those are read in one forward pass, without a
        // document. Any other event is parsed into one below.
        switch (TryReadDelta(eventType, data, out var blockDelta))
        {
            case DeltaRead.Malformed:
                return false;
            case DeltaRead.Read:
                return OnBlockDelta(blockDelta, sink);
        }

        // Disposed once the event is decoded: nothing decoded keeps a JsonElement, only strings and numbers.
        PooledJsonDocument document;
        try
        {
            document = PooledJsonDocument.Parse(data, AnthropicJson.DocumentOptions);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            try
            {
                return Decode(eventType, document.RootElement, sink);
            }
            catch (InvalidOperationException)
            {
                // A string that is not valid UTF-8: the event is not valid for the protocol, like one that is not JSON.
                return false;
            }
        }
    }

    private bool Decode(string eventType, JsonElement root, List<StreamEvent> sink)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        string type = AnthropicJson.GetString(root, "type") ?? eventType;
        return type switch
        {
            "message_start" => OnMessageStart(root, sink),
            "content_block_start" => OnBlockStart(root, sink),
            "content_block_stop" => OnBlockStop(root, sink),
            "message_delta" => OnMessageDelta(root, sink),
            "message_stop" => _stopped = true,
            "error" => OnError(root, sink),
            _ => true, // ping, and event types added later
        };
    }

    public bool Complete(List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        CloseOpenBlock(sink);
        if (!_finished)
        {
            sink.Add(new MessageFinished(StopReason.Unknown));
            _finished = true;
        }

        return _stopped;
    }

    private bool OnMessageStart(JsonElement root, List<StreamEvent> sink)
    {
        if (_started || !root.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        _started = true;
        _usage = message.TryGetProperty("usage"u8, out var usage) ? AnthropicUsage.Read(usage) : AnthropicUsage.Empty;
        sink.Add(new MessageStarted(
            AnthropicJson.GetString(message, "id") ?? string.Empty,
            AnthropicJson.GetString(message, "model") ?? string.Empty,
            _usage.IsEmpty ? null : _usage.ToCanonical()));
        return true;
    }

    private bool OnBlockStart(JsonElement root, List<StreamEvent> sink)
    {
        if (!_started || AnthropicJson.GetInt64(root, "index") is not long upstreamIndex
            || !root.TryGetProperty("content_block"u8, out var block) || block.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        CloseOpenBlock(sink);
        BlockStarted? started = AnthropicJson.GetString(block, "type") switch
        {
            "text" => new BlockStarted(_nextIndex, BlockKind.Text),
            "thinking" => new BlockStarted(_nextIndex, BlockKind.Reasoning),
            "redacted_thinking" => new BlockStarted(_nextIndex, BlockKind.RedactedReasoning) { RedactedData = AnthropicJson.GetString(block, "data") },
            "tool_use" => new BlockStarted(_nextIndex, BlockKind.ToolCall, AnthropicJson.GetString(block, "id"), AnthropicJson.GetString(block, "name")),
            _ => null,
        };
        if (started is null)
        {
            _indices[(int)upstreamIndex] = -1;
            return true;
        }

        int index = _nextIndex++;
        _indices[(int)upstreamIndex] = index;
        _openIndex = index;
        sink.Add(started);

        // Blocks normally start empty; whatever a start already carries is passed on as a first delta.
        switch (started.Kind)
        {
            case BlockKind.Text when AnthropicJson.GetString(block, "text") is { Length: > 0 } text:
                sink.Add(new TextDelta(index, text));
                break;
            case BlockKind.Reasoning:
                if (AnthropicJson.GetString(block, "thinking") is { Length: > 0 } thinking)
                {
                    sink.Add(new ReasoningDelta(index, thinking));
                }

                if (AnthropicJson.GetString(block, "signature") is { Length: > 0 } signature)
                {
                    sink.Add(new ReasoningDelta(index, null, signature));
                }

                break;
            case BlockKind.ToolCall when block.TryGetProperty("input"u8, out var input) && input.ValueKind == JsonValueKind.Object && input.EnumerateObject().Any():
                sink.Add(new ToolArgumentsDelta(index, input.GetRawText()));
                break;
        }

        return true;
    }

    /// <summary>
    /// Reads an event in one forward pass as far as a content_block_delta needs: its type, index and delta (a repeated
    /// member counts as its last occurrence, as a document lookup would give). Other for any other event type.
    /// </summary>
    private static DeltaRead TryReadDelta(string eventType, ReadOnlySpan<byte> data, out BlockDelta delta)
    {
        delta = default;
        var reader = new Utf8JsonReader(data, ReaderOptions);
        bool? isDelta = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return DeltaRead.Other;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    isDelta = reader.TokenType == JsonTokenType.String ? reader.ValueTextEquals("content_block_delta"u8) : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("index"u8))
                {
                    delta.Index = reader.ReadOptionalInt64();
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    delta = new BlockDelta { Index = delta.Index };
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        delta.IsObject = true;
                        ReadDeltaMembers(ref reader, ref delta);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            // Throws when anything but whitespace follows the object.
            reader.Read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            return DeltaRead.Malformed;
        }

        return (isDelta ?? eventType == "content_block_delta") ? DeltaRead.Read : DeltaRead.Other;
    }

    private static void ReadDeltaMembers(ref Utf8JsonReader reader, ref BlockDelta delta)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                delta.Kind = reader.TokenType != JsonTokenType.String ? DeltaKind.None
                    : reader.ValueTextEquals("text_delta"u8) ? DeltaKind.Text
                    : reader.ValueTextEquals("thinking_delta"u8) ? DeltaKind.Thinking
                    : reader.ValueTextEquals("signature_delta"u8) ? DeltaKind.Signature
                    : reader.ValueTextEquals("input_json_delta"u8) ? DeltaKind.InputJson
                    : DeltaKind.None;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                delta.Text = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("thinking"u8))
            {
                delta.Thinking = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("signature"u8))
            {
                delta.Signature = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("partial_json"u8))
            {
                delta.PartialJson = reader.ReadOptionalString();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }
    }

    private bool OnBlockDelta(in BlockDelta delta, List<StreamEvent> sink)
    {
        if (!TryMapIndex(delta.Index, out int index) || !delta.IsObject)
        {
            return false;
        }

        if (index < 0)
        {
            return true; // a block with no canonical form
        }

        switch (delta.Kind)
        {
            case DeltaKind.Text when delta.Text is { Length: > 0 } text:
                sink.Add(new TextDelta(index, text));
                break;
            case DeltaKind.Thinking when delta.Thinking is { Length: > 0 } thinking:
                sink.Add(new ReasoningDelta(index, thinking));
                break;
            case DeltaKind.Signature when delta.Signature is { Length: > 0 } signature:
                sink.Add(new ReasoningDelta(index, null, signature));
                break;
            case DeltaKind.InputJson when delta.PartialJson is { Length: > 0 } json:
                sink.Add(new ToolArgumentsDelta(index, json));
                break;
        }

        return true;
    }

    private bool OnBlockStop(JsonElement root, List<StreamEvent> sink)
    {
        if (!TryMapIndex(root, out int index))
        {
            return false;
        }

        if (index >= 0 && _openIndex == index)
        {
            sink.Add(new BlockStopped(index));
            _openIndex = null;
        }

        return true;
    }

    private bool OnMessageDelta(JsonElement root, List<StreamEvent> sink)
    {
        if (!_started)
        {
            return false;
        }

        CloseOpenBlock(sink);
        if (root.TryGetProperty("delta"u8, out var delta) && delta.ValueKind == JsonValueKind.Object
            && AnthropicJson.GetString(delta, "stop_reason") is { } stopReason)
        {
            sink.Add(new MessageFinished(AnthropicStopReasons.ToCanonical(stopReason), AnthropicJson.GetString(delta, "stop_sequence")));
            _finished = true;
        }

        if (root.TryGetProperty("usage"u8, out var usage))
        {
            _usage = _usage.MergeWith(AnthropicUsage.Read(usage));
            sink.Add(new UsageReported(_usage.ToCanonical()));
        }

        return true;
    }

    private static bool OnError(JsonElement root, List<StreamEvent> sink)
    {
        var error = root.TryGetProperty("error"u8, out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
        sink.Add(new StreamFailed(
            AnthropicErrors.KindOf(AnthropicJson.GetString(error, "type")),
            AnthropicJson.GetString(error, "message") ?? "The upstream reported an error in its stream."));
        return true;
    }

    private bool TryMapIndex(JsonElement root, out int index) => TryMapIndex(AnthropicJson.GetInt64(root, "index"), out index);

    private bool TryMapIndex(long? upstreamIndex, out int index)
    {
        index = -1;
        return upstreamIndex is long known && _indices.TryGetValue((int)known, out index);
    }

    private void CloseOpenBlock(List<StreamEvent> sink)
    {
        if (_openIndex is int open)
        {
            sink.Add(new BlockStopped(open));
            _openIndex = null;
        }
    }

    private enum DeltaRead
    {
        /// <summary>Not a content_block_delta: the event is parsed into a document.</summary>
        Other,
        Read,
        Malformed,
    }

    private enum DeltaKind
    {
        None,
        Text,
        Thinking,
        Signature,
        InputJson,
    }

    /// <summary>What a content_block_delta event says.</summary>
    private struct BlockDelta
    {
        public long? Index;
        public bool IsObject;
        public DeltaKind Kind;
        public string? Text;
        public string? Thinking;
        public string? Signature;
        public string? PartialJson;
    }
}
