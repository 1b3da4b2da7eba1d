using Warden.Core.Canonical;
using Warden.Core.Protection;

namespace Warden.Server.Relay;

/// <summary>
/// Puts the values a mask rule replaced back into an answer before the client sees it (issue 20): message text,
/// visible reasoning and tool-call arguments, in a complete answer or event by event in a stream. One <see cref="PlaceholderRestorer"/> per
/// streamed block, so a placeholder cut across two events is restored whole: the restorer holds back a tail that may be
/// the start of a placeholder, and what it holds is released when its block stops. Reasoning signatures and encrypted
/// reasoning are opaque and pass unchanged: a provider signed the masked text, and the client's next turn, masked with
/// the same conversation key, sends that exact text back.
/// </summary>
internal sealed class AnswerUnmasker(PlaceholderMap map)
{
    private readonly Dictionary<int, (PlaceholderRestorer Restorer, BlockKind Kind)> _blocks = [];
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
                ReasoningBlock { Text: { } thinking } reasoning => reasoning with { Text = text.Restore(thinking) },
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
                case BlockStarted { Kind: BlockKind.Text or BlockKind.ToolCall or BlockKind.Reasoning } started:
                    _blocks[started.Index] = (NewRestorer(started.Kind), started.Kind);
                    _scratch.Add(streamEvent);
                    break;
                case TextDelta delta:
                    AddRestored(delta.Index, delta.Text, BlockKind.Text);
                    break;
                case ToolArgumentsDelta delta:
                    AddRestored(delta.Index, delta.Json, BlockKind.ToolCall);
                    break;
                case ReasoningDelta { Text: { } thinking, Signature: null, EncryptedContent: null } delta:
                    AddRestored(delta.Index, thinking, BlockKind.Reasoning);
                    break;
                case ReasoningDelta delta:
                    // A signature or encrypted reasoning ends the visible text it follows: what is held goes out first.
                    Release(delta.Index);
                    _scratch.Add(delta.Text is { } text ? delta with { Text = new PlaceholderRestorer(map, PlaceholderContext.Text).Restore(text) } : delta);
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

    private PlaceholderRestorer NewRestorer(BlockKind kind) => new(map, kind == BlockKind.ToolCall ? PlaceholderContext.Json : PlaceholderContext.Text);

    private static StreamEvent Delta(int index, string text, BlockKind kind) => kind switch
    {
        BlockKind.ToolCall => new ToolArgumentsDelta(index, text),
        BlockKind.Reasoning => new ReasoningDelta(index, text),
        _ => new TextDelta(index, text),
    };

    private void AddRestored(int index, string chunk, BlockKind kind)
    {
        if (!_blocks.TryGetValue(index, out var block))
        {
            // A delta with no start event (some decoders start text implicitly): it gets its restorer now.
            block = (NewRestorer(kind), kind);
            _blocks[index] = block;
        }

        string restored = block.Restorer.Push(chunk);
        if (restored.Length > 0)
        {
            _scratch.Add(Delta(index, restored, block.Kind));
        }
    }

    private void Release(int index)
    {
        if (_blocks.Remove(index, out var block) && block.Restorer.Flush() is { Length: > 0 } tail)
        {
            _scratch.Add(Delta(index, tail, block.Kind));
        }
    }
}
