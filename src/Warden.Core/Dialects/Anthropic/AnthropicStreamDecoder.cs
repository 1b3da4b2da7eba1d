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
            return Decode(eventType, document.RootElement, sink);
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
            "content_block_delta" => OnBlockDelta(root, sink),
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

    private bool OnBlockDelta(JsonElement root, List<StreamEvent> sink)
    {
        if (!TryMapIndex(root, out int index) || !root.TryGetProperty("delta"u8, out var delta) || delta.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (index < 0)
        {
            return true; // a block with no canonical form
        }

        switch (AnthropicJson.GetString(delta, "type"))
        {
            case "text_delta" when AnthropicJson.GetString(delta, "text") is { Length: > 0 } text:
                sink.Add(new TextDelta(index, text));
                break;
            case "thinking_delta" when AnthropicJson.GetString(delta, "thinking") is { Length: > 0 } thinking:
                sink.Add(new ReasoningDelta(index, thinking));
                break;
            case "signature_delta" when AnthropicJson.GetString(delta, "signature") is { Length: > 0 } signature:
                sink.Add(new ReasoningDelta(index, null, signature));
                break;
            case "input_json_delta" when AnthropicJson.GetString(delta, "partial_json") is { Length: > 0 } json:
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

    private bool TryMapIndex(JsonElement root, out int index)
    {
        index = -1;
        return AnthropicJson.GetInt64(root, "index") is long upstreamIndex && _indices.TryGetValue((int)upstreamIndex, out index);
    }

    private void CloseOpenBlock(List<StreamEvent> sink)
    {
        if (_openIndex is int open)
        {
            sink.Add(new BlockStopped(open));
            _openIndex = null;
        }
    }
}
