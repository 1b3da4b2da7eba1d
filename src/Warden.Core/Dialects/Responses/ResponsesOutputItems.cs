using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Writes the output items of a Responses answer (message, function_call, reasoning), shared by the JSON answer
/// encoder and the stream encoder so both produce the same complete items. Namespaced function names ("N__fname"
/// with N a namespace the client declared) are written as <c>{"namespace":"N","name":"fname"}</c>.
/// </summary>
internal static class ResponsesOutputItems
{
    public static void WriteMessage(Utf8JsonWriter writer, string id, string status, IEnumerable<string> texts)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("type", "message");
        writer.WriteString("status", status);
        writer.WriteString("role", "assistant");
        writer.WriteStartArray("content");
        foreach (string text in texts)
        {
            WriteOutputText(writer, text);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteOutputText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "output_text");
        writer.WriteString("text", text);
        writer.WriteStartArray("annotations");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteFunctionCall(Utf8JsonWriter writer, string id, string status, string callId, string name, IReadOnlySet<string> namespaces, string arguments)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("type", "function_call");
        writer.WriteString("status", status);
        writer.WriteString("arguments", arguments);
        writer.WriteString("call_id", callId);
        if (ResponsesNamespaces.TrySplit(name, namespaces, out string ns, out string inner))
        {
            writer.WriteString("namespace", ns);
            writer.WriteString("name", inner);
        }
        else
        {
            writer.WriteString("name", name);
        }

        writer.WriteEndObject();
    }

    public static void WriteReasoning(Utf8JsonWriter writer, string id, IReadOnlyList<string> summary, string? encryptedContent)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("type", "reasoning");
        writer.WriteStartArray("summary");
        foreach (string text in summary)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "summary_text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStringIfSet("encrypted_content", encryptedContent);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The client's view of a reasoning block: Responses reasoning keeps its id and encrypted_content byte-exact;
    /// reasoning of another origin travels in encrypted_content inside a <see cref="ReasoningEnvelope"/>.
    /// </summary>
    public static (string Id, IReadOnlyList<string> Summary, string? EncryptedContent) ForClient(ReasoningBlock block, string generatedId)
    {
        ArgumentNullException.ThrowIfNull(block);
        IReadOnlyList<string> summary = block.Summary ?? (block.Text is { Length: > 0 } t ? [t] : []);
        if (block.Origin == WireDialectName.Responses)
        {
            return (block.Id ?? generatedId, summary, block.EncryptedContent);
        }

        bool opaque = block.Signature is not null || block.EncryptedContent is not null || block.RedactedData is not null || block.Id is not null;
        return (generatedId, summary, opaque ? ReasoningEnvelope.Wrap(block) : null);
    }
}
