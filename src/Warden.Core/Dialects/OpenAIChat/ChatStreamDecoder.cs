using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Turns one upstream's <c>chat.completion.chunk</c> stream into canonical events. Reasoning deltas
/// (<c>reasoning_content</c> / <c>reasoning</c>), text deltas and tool-call deltas each open a block; a change of kind
/// closes the open one. Tool calls are assembled by their Chat index: the first call streams live; a call whose
/// deltas start while another is open (interleaved indices, rare) is buffered and emitted whole when the open call
/// ends, so at most one block is ever open. <c>data: [DONE]</c> ends the stream; a stream without it still ended
/// cleanly when a finish_reason was seen (some vendors omit [DONE]).
/// </summary>
internal sealed class ChatStreamDecoder : IStreamDecoder
{
    private readonly SortedDictionary<int, PendingCall> _pending = [];
    private readonly HashSet<int> _closedCalls = [];
    private bool _started;
    private bool _finished;
    private bool _done;
    private int _nextBlock;
    private int _openBlock = -1;
    private BlockKind _openKind;
    private int _liveCall = -1;

    public bool Decode(string eventType, ReadOnlySpan<byte> data, List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (data.Trim(" \r\n"u8).SequenceEqual("[DONE]"u8))
        {
            _done = true;
            return true;
        }

        try
        {
            using var document = PooledJsonDocument.Parse(data, ChatJson.DocumentOptions);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind is JsonValueKind.Object or JsonValueKind.String)
            {
                string message = error.ValueKind == JsonValueKind.String ? error.GetString()! : ChatJson.GetString(error, "message") ?? "The upstream reported an error in its stream.";
                sink.Add(new StreamFailed(UpstreamErrorKind.ServerError, message));
                return true;
            }

            if (!_started)
            {
                // Only the first chunk's id and model are used: later chunks repeat them.
                Start(ChatJson.GetString(root, "id") ?? string.Empty, ChatJson.GetString(root, "model") ?? string.Empty, sink);
            }

            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    // Only choice 0: translation refuses n > 1 before the request goes out.
                    if (choice.ValueKind != JsonValueKind.Object || (choice.TryGetProperty("index", out var index) && index.TryGetInt32(out int i) && i != 0))
                    {
                        continue;
                    }

                    if (!ReadChoice(choice, sink))
                    {
                        return false;
                    }
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                sink.Add(new UsageReported(ChatUsage.Read(usage)));
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    public bool Complete(List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Start(string.Empty, string.Empty, sink);
        CloseAll(sink);
        if (!_finished)
        {
            sink.Add(new MessageFinished(StopReason.Unknown));
        }

        return _done || _finished;
    }

    private void Start(string id, string model, List<StreamEvent> sink)
    {
        if (!_started)
        {
            _started = true;
            sink.Add(new MessageStarted(id, model, null));
        }
    }

    private bool ReadChoice(JsonElement choice, List<StreamEvent> sink)
    {
        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
        {
            if (ChatResponseDecoder.ReasoningText(delta) is { Length: > 0 } reasoning)
            {
                sink.Add(new ReasoningDelta(EnsureOpen(BlockKind.Reasoning, sink), reasoning));
            }

            if (ChatJson.GetString(delta, "content") is { Length: > 0 } text)
            {
                sink.Add(new TextDelta(EnsureOpen(BlockKind.Text, sink), text));
            }

            if (ChatJson.GetString(delta, "refusal") is { Length: > 0 } refusal)
            {
                sink.Add(new TextDelta(EnsureOpen(BlockKind.Text, sink), refusal));
            }

            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                int position = 0;
                foreach (var call in calls.EnumerateArray())
                {
                    if (!ReadToolCall(call, position++, sink))
                    {
                        return false;
                    }
                }
            }
        }

        if (ChatJson.GetString(choice, "finish_reason") is { } finish)
        {
            CloseAll(sink);
            _finished = true;
            sink.Add(new MessageFinished(ChatFinishReasons.ToCanonical(finish)));
        }

        return true;
    }

    private bool ReadToolCall(JsonElement call, int position, List<StreamEvent> sink)
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        int index = call.TryGetProperty("index", out var indexElement) && indexElement.TryGetInt32(out int i) ? i : position;
        string? id = ChatJson.GetString(call, "id");
        string? name = null;
        string? arguments = null;
        if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            name = ChatJson.GetString(function, "name");
            arguments = ChatJson.GetString(function, "arguments");
        }

        if (index == _liveCall)
        {
            if (!string.IsNullOrEmpty(arguments))
            {
                sink.Add(new ToolArgumentsDelta(_openBlock, arguments));
            }

            return true;
        }

        if (_pending.TryGetValue(index, out var pending))
        {
            pending.Id ??= id;
            pending.Name ??= name;
            pending.Arguments.Append(arguments);
            return true;
        }

        if (_closedCalls.Contains(index))
        {
            // More arguments for a call whose block already ended: the stream broke Chat's own ordering.
            return false;
        }

        if (_liveCall >= 0)
        {
            var buffered = new PendingCall(id, name);
            buffered.Arguments.Append(arguments);
            _pending[index] = buffered;
            return true;
        }

        CloseOpen(sink);
        _liveCall = index;
        Open(BlockKind.ToolCall, sink, id ?? string.Empty, name ?? string.Empty);
        if (!string.IsNullOrEmpty(arguments))
        {
            sink.Add(new ToolArgumentsDelta(_openBlock, arguments));
        }

        return true;
    }

    private int EnsureOpen(BlockKind kind, List<StreamEvent> sink)
    {
        if (_openBlock >= 0 && _openKind == kind)
        {
            return _openBlock;
        }

        CloseAll(sink);
        Open(kind, sink, null, null);
        return _openBlock;
    }

    private void Open(BlockKind kind, List<StreamEvent> sink, string? toolId, string? toolName)
    {
        _openBlock = _nextBlock++;
        _openKind = kind;
        sink.Add(new BlockStarted(_openBlock, kind, toolId, toolName));
    }

    private void CloseOpen(List<StreamEvent> sink)
    {
        if (_openBlock < 0)
        {
            return;
        }

        sink.Add(new BlockStopped(_openBlock));
        _openBlock = -1;
        if (_liveCall >= 0)
        {
            _closedCalls.Add(_liveCall);
            _liveCall = -1;
        }
    }

    /// <summary>Closes the open block, then emits each buffered tool call whole, in index order.</summary>
    private void CloseAll(List<StreamEvent> sink)
    {
        CloseOpen(sink);
        foreach (var (index, call) in _pending)
        {
            int block = _nextBlock++;
            sink.Add(new BlockStarted(block, BlockKind.ToolCall, call.Id ?? string.Empty, call.Name ?? string.Empty));
            if (call.Arguments.Length > 0)
            {
                sink.Add(new ToolArgumentsDelta(block, call.Arguments.ToString()));
            }

            sink.Add(new BlockStopped(block));
            _closedCalls.Add(index);
        }

        _pending.Clear();
    }

    /// <summary>A tool call whose deltas arrived while another call was open.</summary>
    private sealed class PendingCall(string? id, string? name)
    {
        public string? Id { get; set; } = id;

        public string? Name { get; set; } = name;

        public StringBuilder Arguments { get; } = new();
    }
}
