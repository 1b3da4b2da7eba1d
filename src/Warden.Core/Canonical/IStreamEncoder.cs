using System.Buffers;

namespace Warden.Core.Canonical;

/// <summary>
/// Turns canonical <see cref="StreamEvent"/>s into one client dialect's SSE bytes. One instance per stream; it keeps
/// the dialect's bookkeeping (Anthropic block indices, Responses item ids and sequence numbers, Chat tool-call
/// indices, Gemini's final chunk). Output is complete SSE events ("event: …\ndata: …\n\n").
/// </summary>
public interface IStreamEncoder
{
    /// <summary>Writes what <paramref name="streamEvent"/> means for the client, possibly nothing yet.</summary>
    void Write(StreamEvent streamEvent, IBufferWriter<byte> output);

    /// <summary>
    /// The upstream stream ended cleanly: writes the dialect's closing events (Anthropic message_delta with usage and
    /// message_stop; Responses output_item.done and response.completed; Chat finish chunk, usage chunk if asked, [DONE];
    /// Gemini's last chunk with finishReason and usageMetadata).
    /// </summary>
    void Complete(IBufferWriter<byte> output);

    /// <summary>
    /// The stream failed after the client already received output: writes the failure inside the protocol
    /// (Anthropic event: error, Responses response.failed, an OpenAI error chunk, a Gemini error chunk).
    /// </summary>
    void Fail(ClientError clientError, IBufferWriter<byte> output);
}
