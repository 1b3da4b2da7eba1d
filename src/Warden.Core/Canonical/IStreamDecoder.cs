namespace Warden.Core.Canonical;

/// <summary>
/// Turns one upstream stream's SSE events into canonical <see cref="StreamEvent"/>s. One instance per stream;
/// it keeps whatever state the dialect needs (open block, tool call indices, usage seen so far).
/// </summary>
public interface IStreamDecoder
{
    /// <summary>
    /// Decodes one SSE event (its event type, "message" when none was given, and its data bytes) and appends the
    /// resulting events to <paramref name="sink"/>. Returns false when the data is not valid for the dialect
    /// (not JSON, or not the expected shape); the relay then treats the stream as broken.
    /// </summary>
    bool Decode(string eventType, ReadOnlySpan<byte> data, List<StreamEvent> sink);

    /// <summary>
    /// Called once when the upstream stream ended cleanly: closes an open block and appends a
    /// <see cref="MessageFinished"/> if the upstream never said why it stopped. Returns false when the stream ended
    /// before the dialect's own end marker (a cut stream).
    /// </summary>
    bool Complete(List<StreamEvent> sink);
}
