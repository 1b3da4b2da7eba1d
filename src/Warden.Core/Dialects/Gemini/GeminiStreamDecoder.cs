using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Gemini;

/// <summary>
/// Turns a Gemini stream (each SSE event a whole GenerateContentResponse chunk) into canonical events. Text parts are
/// deltas; a functionCall arrives whole and becomes a started, filled and stopped tool-call block; a thoughtSignature
/// becomes a reasoning block of its own just before the part that carried it (as in requests). There is no end
/// marker: the stream is complete only if a finishReason was seen.
/// </summary>
internal sealed class GeminiStreamDecoder : IStreamDecoder
{
    private bool _started;
    private bool _finished;
    private bool _sawFunctionCall;
    private int _nextIndex;
    private int _callCount;
    private BlockKind? _open;

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
            root = GeminiJson.Parse(data);
        }
        catch (JsonException)
        {
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (GeminiErrors.TryReadError(root, out var error, out int code))
        {
            sink.Add(new StreamFailed(GeminiErrors.KindOf(code, error.Type), error.Message ?? "The upstream reported an error."));
            return true;
        }

        if (!_started)
        {
            _started = true;
            sink.Add(new MessageStarted(GeminiJson.GetString(root, "responseId") ?? "", GeminiJson.GetString(root, "modelVersion") ?? "", null));
        }

        string? finishReason = null;
        if (root.TryGetProperty("candidates"u8, out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
        {
            var candidate = candidates[0];
            if (candidate.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            finishReason = GeminiJson.GetString(candidate, "finishReason");
            if (candidate.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("parts"u8, out var parts))
            {
                if (parts.ValueKind != JsonValueKind.Array)
                {
                    return false;
                }

                foreach (var part in parts.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        return false;
                    }

                    DecodePart(part, sink);
                }
            }
        }
        else if (root.TryGetProperty("promptFeedback"u8, out var feedback) && GeminiJson.GetString(feedback, "blockReason") is not null && !_finished)
        {
            Close(sink);
            _finished = true;
            sink.Add(new MessageFinished(StopReason.ContentFilter));
        }

        if (finishReason is not null && !_finished)
        {
            Close(sink);
            _finished = true;
            sink.Add(new MessageFinished(GeminiFinishReasons.Read(finishReason, _sawFunctionCall)));
        }

        if (root.TryGetProperty("usageMetadata"u8, out var usageMetadata) && usageMetadata.ValueKind == JsonValueKind.Object)
        {
            sink.Add(new UsageReported(GeminiUsage.Read(usageMetadata)));
        }

        return true;
    }

    public bool Complete(List<StreamEvent> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Close(sink);
        return _started && _finished;
    }

    private void DecodePart(JsonElement part, List<StreamEvent> sink)
    {
        string? signature = GeminiJson.GetString(part, "thoughtSignature");
        bool thought = part.TryGetProperty("thought"u8, out var flag) && flag.ValueKind == JsonValueKind.True;
        string? text = GeminiJson.GetString(part, "text");
        if (thought && text is not null)
        {
            int index = Open(BlockKind.Reasoning, sink);
            if (text.Length > 0)
            {
                sink.Add(new ReasoningDelta(index, text));
            }

            if (signature is not null)
            {
                sink.Add(new ReasoningDelta(index, null, signature));
            }

            return;
        }

        if (signature is not null)
        {
            Close(sink);
            int index = Open(BlockKind.Reasoning, sink);
            sink.Add(new ReasoningDelta(index, null, signature));
            Close(sink);
        }

        if (text is not null)
        {
            if (text.Length > 0)
            {
                int index = Open(BlockKind.Text, sink);
                sink.Add(new TextDelta(index, text));
            }

            return;
        }

        if (part.TryGetProperty("functionCall"u8, out var call) && GeminiJson.GetString(call, "name") is { } name)
        {
            Close(sink);
            _sawFunctionCall = true;
            string id = GeminiJson.GetString(call, "id") ?? string.Create(CultureInfo.InvariantCulture, $"call_{name}_{_callCount}");
            _callCount++;
            int index = _nextIndex++;
            sink.Add(new BlockStarted(index, BlockKind.ToolCall, id, name));
            // Arguments that are not an object are passed on as they are (not replaced by "{}"), so the relay's tool-call
            // check sees them and refuses the call instead of letting its raw bytes through a pass-through stream.
            sink.Add(new ToolArgumentsDelta(index, call.TryGetProperty("args"u8, out var args) && args.ValueKind is not JsonValueKind.Null ? args.GetRawText() : "{}"));
            sink.Add(new BlockStopped(index));
        }

        // Other parts (executableCode, codeExecutionResult, inline media) have no stream event; they are not text.
    }

    private int Open(BlockKind kind, List<StreamEvent> sink)
    {
        if (_open == kind)
        {
            return _nextIndex - 1;
        }

        Close(sink);
        _open = kind;
        sink.Add(new BlockStarted(_nextIndex, kind));
        return _nextIndex++;
    }

    private void Close(List<StreamEvent> sink)
    {
        if (_open is not null)
        {
            sink.Add(new BlockStopped(_nextIndex - 1));
            _open = null;
        }
    }
}
