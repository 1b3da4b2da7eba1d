namespace Warden.Server.Tests.Conformance;

/// <summary>A tool call as a client saw it.</summary>
internal sealed record ObservedToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>
/// What a client saw of one answer, read by the test's own minimal parser of that client's protocol (never by
/// Warden's codecs, so a translation bug cannot cancel itself out).
/// </summary>
internal sealed class Observed
{
    public string? Model { get; set; }

    public string Text { get; set; } = "";

    public string ReasoningText { get; set; } = "";

    /// <summary>Opaque reasoning tokens the client must send back verbatim (signatures, encrypted content).</summary>
    public List<string> Opaque { get; } = [];

    public List<ObservedToolCall> ToolCalls { get; } = [];

    /// <summary>"end", "tool", "max" or the raw value when unknown; null when the client saw none.</summary>
    public string? Stop { get; set; }

    /// <summary>Input tokens in canonical terms (cached included), as the client can compute them.</summary>
    public long? InputTokens { get; set; }

    /// <summary>Output tokens in canonical terms (reasoning included).</summary>
    public long? OutputTokens { get; set; }

    /// <summary>An in-stream error the client saw after output began.</summary>
    public string? StreamError { get; set; }

    /// <summary>The protocol's mandatory closing events were all present (message_stop, response.completed, finish_reason, finishReason).</summary>
    public bool ClosedProperly { get; set; }

    /// <summary>The dialect-native pieces of this answer, to echo back on the next turn.</summary>
    public System.Text.Json.Nodes.JsonNode? EchoItem { get; set; }
}
