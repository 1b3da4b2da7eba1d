using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// One dialect's side of the simulator: how its requests are read and its answers, errors and streams
/// are written. <see cref="SimulatorEndpoint"/> runs the dialect-neutral steps (faults, journal, pacing).
/// </summary>
internal abstract class SimulatorWire
{
    public abstract SimulatorDialect Dialect { get; }

    /// <summary>Reads the model name early so the journal can record it even when the rest is invalid.</summary>
    public virtual string? PeekModel(HttpContext context, JsonElement root) => SimulatorChatRequest.PeekModel(root);

    /// <summary>Parses a request; <paramref name="countOnly"/> is set for token-counting calls, which need less.</summary>
    public abstract bool TryParse(
        HttpContext context,
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error);

    /// <summary>The id of the answer (chatcmpl-…, msg_…, resp_…, or Gemini's responseId).</summary>
    public abstract string ResponseId(string simRequestId);

    public abstract void WriteResponse(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorChatRequest request, SimulatorAnswer answer, bool includeUsage);

    /// <summary>The body of a token-counting answer.</summary>
    public virtual void WriteCount(Utf8JsonWriter writer, SimulatorUsage usage) => throw new NotSupportedException("This dialect has no token counting endpoint.");

    /// <summary>A token-counting body: an object with the prompt tokens under <paramref name="field"/>.</summary>
    protected static void WriteTokenCount(Utf8JsonWriter writer, string field, SimulatorUsage usage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(usage);
        writer.WriteStartObject();
        writer.WriteNumber(field, usage.PromptTokens);
        writer.WriteEndObject();
    }

    /// <summary>Whether a stream carries usage when no fault removes it (Chat only with stream_options.include_usage).</summary>
    public virtual bool StreamsUsage(SimulatorChatRequest request) => true;

    public virtual SimulatorFraming Framing(HttpContext context) => SimulatorFraming.Sse;

    /// <summary>The deltas to stream, in order; dialects that send a piece whole (Gemini function calls) drop the rest.</summary>
    public virtual List<SimulatorStreamDelta> Plan(SimulatorChatRequest request, SimulatorAnswer answer, int chunkChars, int contentChunkChars) =>
        SimulatorStreamDelta.Plan(answer, chunkChars, contentChunkChars);

    public abstract SimulatorStreamWriter CreateStreamWriter(
        SimulatorChatRequest request,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        IReadOnlyList<SimulatorStreamDelta> plan,
        bool sendUsage);
}

/// <summary>Writes one streamed answer in a dialect's events; stateful (which block is open), one per request.</summary>
internal abstract class SimulatorStreamWriter
{
    /// <summary>The event name the malformed fault's broken event carries (null for unnamed events).</summary>
    public virtual string? MalformedEventName => null;

    /// <summary>JSON that starts like the dialect's real events, so parsers fail on the JSON and not on the framing.</summary>
    public abstract ReadOnlyMemory<byte> MalformedJson { get; }

    /// <summary>The events before any content (Chat's role chunk, Anthropic's message_start and ping, …).</summary>
    public abstract ValueTask WriteStartAsync(SimulatorEventStream events, CancellationToken cancellationToken);

    /// <summary>The events for delta <paramref name="index"/> of the plan, opening and closing blocks as needed.</summary>
    public abstract ValueTask WriteDeltaAsync(SimulatorEventStream events, int index, CancellationToken cancellationToken);

    /// <summary>The dialect's in-stream error (midstream-error fault); the stream then ends.</summary>
    public abstract ValueTask WriteMidstreamErrorAsync(SimulatorEventStream events, SimulatorError error, CancellationToken cancellationToken);

    /// <summary>The closing events of a complete answer (finish reason, usage, terminator).</summary>
    public abstract ValueTask WriteFinishAsync(SimulatorEventStream events, CancellationToken cancellationToken);
}
