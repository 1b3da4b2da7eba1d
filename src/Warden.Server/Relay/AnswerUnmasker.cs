using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Server.Relay;

/// <summary>
/// Puts the values a mask rule replaced back into an answer before the client sees it (issue 20): message text and
/// tool-call arguments, in a complete answer or event by event in a stream. One <see cref="PlaceholderRestorer"/> per
/// streamed block, so a placeholder cut across two events is restored whole: the restorer holds back a tail that may be
/// the start of a placeholder, and what it holds is released when its block stops.
/// </summary>
internal sealed class AnswerUnmasker(PlaceholderMap map)
{
    private readonly Dictionary<int, (PlaceholderRestorer Restorer, bool Json)> _blocks = [];
    private readonly List<StreamEvent> _scratch = new(8);

    /// <summary>A complete answer with its text and tool-call arguments restored.</summary>
    public CanonicalResponse Restore(CanonicalResponse answer)
    {
        var text = new PlaceholderRestorer(map, PlaceholderContext.Text);
        var json = new PlaceholderRestorer(map, PlaceholderContext.Json);
        var content = new List<ContentBlock>(answer.Content.Count);
        foreach (var block in answer.Content)
        {
            content.Add(block switch
            {
                TextBlock t => t with { Text = text.Restore(t.Text) },
                ToolCallBlock call => call with { ArgumentsJson = json.Restore(call.ArgumentsJson) },
                _ => block,
            });
        }

        return answer with { Content = content };
    }

    /// <summary>Rewrites one upstream event's canonical events in place: deltas restored, held tails released at block ends.</summary>
    public void Restore(List<StreamEvent> events)
    {
        _scratch.Clear();
        foreach (var streamEvent in events)
        {
            switch (streamEvent)
            {
                case BlockStarted { Kind: BlockKind.Text or BlockKind.ToolCall } started:
                    _blocks[started.Index] = (new PlaceholderRestorer(map, started.Kind == BlockKind.ToolCall ? PlaceholderContext.Json : PlaceholderContext.Text), started.Kind == BlockKind.ToolCall);
                    _scratch.Add(streamEvent);
                    break;
                case TextDelta delta:
                    AddRestored(delta.Index, delta.Text, json: false);
                    break;
                case ToolArgumentsDelta delta:
                    AddRestored(delta.Index, delta.Json, json: true);
                    break;
                case BlockStopped stopped:
                    Release(stopped.Index);
                    _scratch.Add(streamEvent);
                    break;
                case MessageFinished or StreamFailed:
                    // A decoder that never stopped its blocks: nothing held may be lost.
                    foreach (int index in _blocks.Keys.Order().ToList())
                    {
                        Release(index);
                    }

                    _scratch.Add(streamEvent);
                    break;
                default:
                    _scratch.Add(streamEvent);
                    break;
            }
        }

        events.Clear();
        events.AddRange(_scratch);
    }

    private void AddRestored(int index, string chunk, bool json)
    {
        if (!_blocks.TryGetValue(index, out var block))
        {
            // A delta with no start event (some decoders start text implicitly): it gets its restorer now.
            block = (new PlaceholderRestorer(map, json ? PlaceholderContext.Json : PlaceholderContext.Text), json);
            _blocks[index] = block;
        }

        string restored = block.Restorer.Push(chunk);
        if (restored.Length > 0)
        {
            _scratch.Add(block.Json ? new ToolArgumentsDelta(index, restored) : new TextDelta(index, restored));
        }
    }

    private void Release(int index)
    {
        if (_blocks.Remove(index, out var block) && block.Restorer.Flush() is { Length: > 0 } tail)
        {
            _scratch.Add(block.Json ? new ToolArgumentsDelta(index, tail) : new TextDelta(index, tail));
        }
    }
}
