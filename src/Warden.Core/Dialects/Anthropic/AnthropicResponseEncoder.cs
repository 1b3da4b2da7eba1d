using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>
/// Encodes a complete answer (from any upstream dialect) as an Anthropic Messages response for the client. Reasoning of
/// another origin becomes a thinking block whose signature is a <see cref="ReasoningEnvelope"/>, so the client sends it
/// back on the next turn and the upstream gets its own bytes.
/// </summary>
internal static class AnthropicResponseEncoder
{
    public static void Encode(CanonicalResponse response, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(response);
        using var writer = new Utf8JsonWriter(output, AnthropicJson.WriterOptions);
        var content = new AnthropicContentWriter(forRequest: false, []);
        writer.WriteStartObject();
        writer.WriteString("id"u8, MessageId(response.Id));
        writer.WriteString("type"u8, "message"u8);
        writer.WriteString("role"u8, "assistant"u8);
        writer.WriteString("model"u8, response.Model);
        writer.WritePropertyName("content"u8);
        content.WriteArray(writer, response.Content, "content");
        writer.WriteString("stop_reason"u8, AnthropicStopReasons.ToWire(response.StopReason));
        if (response.StopSequence is null)
        {
            writer.WriteNull("stop_sequence"u8);
        }
        else
        {
            writer.WriteString("stop_sequence"u8, response.StopSequence);
        }

        writer.WriteStartObject("usage"u8);
        AnthropicUsage.FromCanonical(response.Usage).WriteMembers(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Anthropic message ids start with "msg_": an upstream id that does not gets the prefix.</summary>
    public static string MessageId(string? upstreamId) =>
        string.IsNullOrEmpty(upstreamId) ? "msg_" + Guid.NewGuid().ToString("N")
        : upstreamId.StartsWith("msg_", StringComparison.Ordinal) ? upstreamId
        : "msg_" + upstreamId;
}
