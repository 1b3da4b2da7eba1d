using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Json;
using Warden.Core.Providers;
using Warden.Core.Providers.OpenAI;

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
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = ChatRequestInspector.MaxDepth };

    // What the chunk being decoded holds for choice 0, reused from chunk to chunk.
    private readonly List<ChoiceDelta> _choices = [];
    private readonly List<CallDelta> _calls = [];
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

        Chunk chunk;
        try
        {
            if (!TryRead(data, out chunk))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            return false;
        }

        if (chunk.Error is { } error)
        {
            sink.Add(new StreamFailed(UpstreamErrorKind.ServerError, error));
            return true;
        }

        if (chunk.Invalid)
        {
            return false;
        }

        // Only the first chunk's id and model are used (later ones are not even read): chunks repeat them.
        Start(chunk.Id ?? string.Empty, chunk.Model ?? string.Empty, sink);
        foreach (var choice in _choices)
        {
            if (!Emit(choice, sink))
            {
                return false;
            }
        }

        if (chunk.Usage is { } usage)
        {
            sink.Add(new UsageReported(usage));
        }

        return true;
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

    /// <summary>
    /// Reads one chunk in a single forward pass, without a document: the members this decoder uses are kept (a repeated
    /// member counts as its last occurrence, as a document lookup would give), everything else is skipped, and the
    /// whole chunk is still checked to be one well-formed JSON object. Choices other than 0 are left out.
    /// </summary>
    private bool TryRead(ReadOnlySpan<byte> data, out Chunk chunk)
    {
        chunk = default;
        _choices.Clear();
        _calls.Clear();
        var reader = new Utf8JsonReader(data, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                chunk.Invalid = !ReadChoices(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                chunk.Usage = reader.TokenType == JsonTokenType.StartObject ? ChatResponseReader.ReadUsage(ref reader) : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                chunk.Error = ReadError(ref reader);
            }
            else if (!_started && reader.ValueTextEquals("id"u8))
            {
                chunk.Id = reader.ReadOptionalString();
            }
            else if (!_started && reader.ValueTextEquals("model"u8))
            {
                chunk.Model = reader.ReadOptionalString();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }

        // Throws when anything but whitespace follows the object.
        reader.Read();
        return true;
    }

    /// <summary>The message of an <c>error</c> member (an object with a message, or a string); null when it is neither.</summary>
    private static string? ReadError(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                message = reader.ReadOptionalString();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }

        return message ?? "The upstream reported an error in its stream.";
    }

    /// <summary>Reads a <c>choices</c> value into <see cref="_choices"/>; false when a choice's index is not a number.</summary>
    private bool ReadChoices(ref Utf8JsonReader reader)
    {
        // A repeated "choices" member replaces the earlier one.
        _choices.Clear();
        _calls.Clear();
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return true;
        }

        bool valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            valid &= ReadChoice(ref reader);
        }

        return valid;
    }

    private bool ReadChoice(ref Utf8JsonReader reader)
    {
        var choice = new ChoiceDelta { FirstCall = _calls.Count };
        int? index = 0;
        bool valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                valid = TryReadIndex(ref reader, out index);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                choice = new ChoiceDelta { FirstCall = choice.FirstCall, Finish = choice.Finish };
                _calls.RemoveRange(choice.FirstCall, _calls.Count - choice.FirstCall);
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader, ref choice);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                choice.Finish = reader.ReadOptionalString();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }

        // Only choice 0 (an index that is a number but not an int counts as 0): translation refuses n > 1 before the
        // request goes out.
        if (index is not (0 or null))
        {
            _calls.RemoveRange(choice.FirstCall, _calls.Count - choice.FirstCall);
            return valid;
        }

        choice.CallCount = _calls.Count - choice.FirstCall;
        _choices.Add(choice);
        return valid && !choice.BadCall;
    }

    private void ReadDelta(ref Utf8JsonReader reader, ref ChoiceDelta choice)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                choice.Content = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("reasoning_content"u8))
            {
                choice.ReasoningContent = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("reasoning"u8))
            {
                choice.Reasoning = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                choice.Refusal = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                _calls.RemoveRange(choice.FirstCall, _calls.Count - choice.FirstCall);
                choice.BadCall = !ReadToolCalls(ref reader);
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }
    }

    /// <summary>Reads a <c>tool_calls</c> value into <see cref="_calls"/>; false when an entry is not an object or its index not a number.</summary>
    private bool ReadToolCalls(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return true;
        }

        bool valid = true;
        int position = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                valid = false;
                continue;
            }

            var call = new CallDelta { Index = position++ };
            bool indexValid = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    indexValid = TryReadIndex(ref reader, out int? index);
                    call.Index = index ?? position - 1;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    call.Id = reader.ReadOptionalString();
                }
                else if (reader.ValueTextEquals("function"u8))
                {
                    ReadFunction(ref reader, ref call);
                }
                else
                {
                    reader.SkipPropertyValue();
                }
            }

            _calls.Add(call);
            valid &= indexValid;
        }

        return valid;
    }

    private static void ReadFunction(ref Utf8JsonReader reader, ref CallDelta call)
    {
        call.Name = null;
        call.Arguments = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                call.Name = reader.ReadOptionalString();
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                call.Arguments = reader.ReadOptionalString();
            }
            else
            {
                reader.SkipPropertyValue();
            }
        }
    }

    /// <summary>
    /// An <c>index</c> value: its int, or null for a number that is not an int; false for anything but a number (a
    /// stream that numbers its choices or calls with strings or nulls is not one this decoder can follow).
    /// </summary>
    private static bool TryReadIndex(ref Utf8JsonReader reader, out int? index)
    {
        reader.Read();
        index = null;
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return false;
        }

        if (reader.TryGetInt32(out int i))
        {
            index = i;
        }

        return true;
    }

    private bool Emit(in ChoiceDelta choice, List<StreamEvent> sink)
    {
        if ((choice.ReasoningContent ?? choice.Reasoning) is { Length: > 0 } reasoning)
        {
            sink.Add(new ReasoningDelta(EnsureOpen(BlockKind.Reasoning, sink), reasoning));
        }

        if (choice.Content is { Length: > 0 } text)
        {
            sink.Add(new TextDelta(EnsureOpen(BlockKind.Text, sink), text));
        }

        if (choice.Refusal is { Length: > 0 } refusal)
        {
            sink.Add(new TextDelta(EnsureOpen(BlockKind.Text, sink), refusal));
        }

        for (int i = choice.FirstCall; i < choice.FirstCall + choice.CallCount; i++)
        {
            if (!Emit(_calls[i], sink))
            {
                return false;
            }
        }

        if (choice.Finish is { } finish)
        {
            CloseAll(sink);
            _finished = true;
            sink.Add(new MessageFinished(ChatFinishReasons.ToCanonical(finish)));
        }

        return true;
    }

    private bool Emit(CallDelta call, List<StreamEvent> sink)
    {
        int index = call.Index;
        string? id = call.Id;
        string? name = call.Name;
        string? arguments = call.Arguments;

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

    /// <summary>The members of one chunk, outside its choices.</summary>
    private struct Chunk
    {
        public string? Id;
        public string? Model;
        public Chat.Usage? Usage;

        /// <summary>The message of an <c>error</c> member; when set, the chunk is that error and nothing else.</summary>
        public string? Error;

        /// <summary>A choice or tool call whose index is not a number, or a tool call that is not an object.</summary>
        public bool Invalid;
    }

    /// <summary>What one choice of a chunk says; its tool calls are <see cref="CallCount"/> entries of <see cref="_calls"/>.</summary>
    private struct ChoiceDelta
    {
        public string? ReasoningContent;
        public string? Reasoning;
        public string? Content;
        public string? Refusal;
        public string? Finish;
        public int FirstCall;
        public int CallCount;
        public bool BadCall;
    }

    /// <summary>One tool-call delta: its Chat index (its position in the array when it has none), id, name and arguments.</summary>
    private struct CallDelta
    {
        public int Index;
        public string? Id;
        public string? Name;
        public string? Arguments;
    }
}
