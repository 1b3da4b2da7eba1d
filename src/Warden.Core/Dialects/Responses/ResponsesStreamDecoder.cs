using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Turns a Responses API event stream into canonical stream events. Each output item becomes one block (message →
/// text, function_call → tool call, reasoning → reasoning with its encrypted_content delivered whole at the end);
/// response.completed / response.incomplete / response.failed end the stream and carry the final usage. The event
/// type is read from the data's "type", so streams without "event:" lines decode too.
/// </summary>
public sealed class ResponsesStreamDecoder : IStreamDecoder
{
    private bool _started;
    private bool _ended;
    private bool _calledTools;
    private bool _refused;
    private int _nextIndex;
    private OpenBlock? _open;

    public bool Decode(string eventType, ReadOnlySpan<byte> data, List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        try
        {
            return DecodeEvent(eventType, data, sink);
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8, or a member of the wrong kind: the event is not valid for the
            // protocol, like one that is not JSON.
            return false;
        }
    }

    private bool DecodeEvent(string eventType, ReadOnlySpan<byte> data, List<StreamEvent> sink)
    {
        JsonElement root;
        try
        {
            root = ResponsesJson.Parse(data);
        }
        catch (JsonException)
        {
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        string type = root.GetString("type") ?? eventType;
        switch (type)
        {
            case "response.created" or "response.in_progress" or "response.queued":
                Start(root.GetMember("response"), sink);
                return true;
            case "response.output_item.added":
                Start(null, sink);
                return ItemAdded(root, sink);
            case "response.output_text.delta" or "response.refusal.delta":
                if (_open is { Kind: BlockKind.Text } text && root.GetString("delta") is { Length: > 0 } delta)
                {
                    _refused |= type == "response.refusal.delta";
                    text.SentText = true;
                    sink.Add(new TextDelta(text.Index, delta));
                }

                return true;
            case "response.function_call_arguments.delta":
                if (_open is { Kind: BlockKind.ToolCall } call && root.GetString("delta") is { Length: > 0 } args)
                {
                    call.SentArguments = true;
                    sink.Add(new ToolArgumentsDelta(call.Index, args));
                }

                return true;
            case "response.reasoning_summary_text.delta" or "response.reasoning_text.delta":
                if (_open is { Kind: BlockKind.Reasoning } reasoning && root.GetString("delta") is { Length: > 0 } thought)
                {
                    int part = root.GetInt64("summary_index") is { } s ? (int)s : 0;
                    if (part > reasoning.SummaryPart && reasoning.SentText)
                    {
                        sink.Add(new ReasoningDelta(reasoning.Index, "\n\n"));
                    }

                    reasoning.SummaryPart = part;
                    reasoning.SentText = true;
                    sink.Add(new ReasoningDelta(reasoning.Index, thought));
                }

                return true;
            case "response.output_item.done":
                ItemDone(root.GetMember("item"), sink);
                return true;
            case "response.completed" or "response.incomplete":
                Finish(root.GetMember("response"), sink);
                return true;
            case "response.failed":
                {
                    Start(root.GetMember("response"), sink);
                    Close(sink);
                    var error = root.GetMember("response") is { } response ? response.GetMember("error") : null;
                    sink.Add(new StreamFailed(KindOf(error?.GetString("code")), error?.GetString("message") ?? "The upstream response failed."));
                    _ended = true;
                    return true;
                }

            case "error":
                {
                    Start(null, sink);
                    Close(sink);
                    var error = root.GetMember("error") ?? root;
                    sink.Add(new StreamFailed(KindOf(error.GetString("code") ?? error.GetString("type")), error.GetString("message") ?? "The upstream stream reported an error."));
                    _ended = true;
                    return true;
                }

            default:
                // content_part.added/done, output_text.done, *.done, annotations, keep-alives: nothing new.
                return true;
        }
    }

    public bool Complete(List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Close(sink);
        return _ended;
    }

    private void Start(JsonElement? response, List<StreamEvent> sink)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        sink.Add(new MessageStarted(response?.GetString("id") ?? string.Empty, response?.GetString("model") ?? string.Empty, null));
    }

    private bool ItemAdded(JsonElement root, List<StreamEvent> sink)
    {
        if (root.GetMember("item") is not { ValueKind: JsonValueKind.Object } item)
        {
            return false;
        }

        Close(sink);
        switch (item.GetString("type"))
        {
            case "message":
                _open = new OpenBlock(_nextIndex++, BlockKind.Text);
                sink.Add(new BlockStarted(_open.Index, BlockKind.Text));
                break;
            case "function_call":
                {
                    var call = ResponsesResponseDecoder.ReadFunctionCall(item);
                    _calledTools = true;
                    _open = new OpenBlock(_nextIndex++, BlockKind.ToolCall);
                    sink.Add(new BlockStarted(_open.Index, BlockKind.ToolCall, call.Id, call.Name));
                    if (call.ArgumentsJson.Length > 0)
                    {
                        _open.SentArguments = true;
                        sink.Add(new ToolArgumentsDelta(_open.Index, call.ArgumentsJson));
                    }

                    break;
                }

            case "reasoning":
                _open = new OpenBlock(_nextIndex++, BlockKind.Reasoning) { EncryptedContent = item.GetString("encrypted_content") };
                sink.Add(new BlockStarted(_open.Index, BlockKind.Reasoning) { ReasoningId = item.GetString("id") });
                break;
            default:
                // Hosted-tool items (web_search_call, …) have no stream block; their results reach the model upstream.
                break;
        }

        return true;
    }

    private void ItemDone(JsonElement? item, List<StreamEvent> sink)
    {
        if (_open is null)
        {
            return;
        }

        if (_open.Kind == BlockKind.ToolCall && !_open.SentArguments && item?.GetString("arguments") is { Length: > 0 } arguments)
        {
            sink.Add(new ToolArgumentsDelta(_open.Index, arguments));
        }

        if (_open.Kind == BlockKind.Text && !_open.SentText && item?.GetMember("content") is { ValueKind: JsonValueKind.Array } parts)
        {
            // Some servers send only the finished item; its text is the whole block.
            string text = string.Concat(parts.EnumerateArray().Select(p => p.GetString("text") ?? p.GetString("refusal") ?? string.Empty));
            if (text.Length > 0)
            {
                sink.Add(new TextDelta(_open.Index, text));
            }
        }

        if (_open.Kind == BlockKind.Reasoning)
        {
            if (!_open.SentText && item is { } done && ResponsesResponseDecoder.ReadReasoning(done).Text is { Length: > 0 } text)
            {
                sink.Add(new ReasoningDelta(_open.Index, text));
            }

            _open.EncryptedContent = item?.GetString("encrypted_content") ?? _open.EncryptedContent;
        }

        Close(sink);
    }

    private void Close(List<StreamEvent> sink)
    {
        if (_open is null)
        {
            return;
        }

        if (_open is { Kind: BlockKind.Reasoning, EncryptedContent: { } encrypted })
        {
            sink.Add(new ReasoningDelta(_open.Index, null, null, encrypted));
        }

        sink.Add(new BlockStopped(_open.Index));
        _open = null;
    }

    private void Finish(JsonElement? response, List<StreamEvent> sink)
    {
        Start(response, sink);
        Close(sink);
        _ended = true;
        string? incomplete = response?.GetMember("incomplete_details") is { } details ? details.GetString("reason") : null;
        sink.Add(new MessageFinished(ResponsesStatus.ToStopReason(response?.GetString("status"), incomplete, _calledTools, _refused)));
        if (response?.GetMember("usage") is { } usage)
        {
            sink.Add(new UsageReported(ResponsesUsage.Read(usage)));
        }
    }

    private static UpstreamErrorKind KindOf(string? code) => code switch
    {
        "rate_limit_exceeded" or "rate_limit_error" => UpstreamErrorKind.RateLimited,
        "server_is_overloaded" or "overloaded" or "slow_down" => UpstreamErrorKind.Overloaded,
        "invalid_prompt" or "invalid_request_error" or "context_length_exceeded" => UpstreamErrorKind.RequestRejected,
        _ => UpstreamErrorKind.ServerError,
    };

    private sealed class OpenBlock(int index, BlockKind kind)
    {
        public int Index { get; } = index;

        public BlockKind Kind { get; } = kind;

        public bool SentArguments { get; set; }

        public bool SentText { get; set; }

        public int SummaryPart { get; set; }

        public string? EncryptedContent { get; set; }
    }
}
