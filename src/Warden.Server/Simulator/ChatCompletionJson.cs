using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>Writes chat.completion and chat.completion.chunk objects in the shapes of shared/wire/responses/chat.*.</summary>
internal static class ChatCompletionJson
{
    public const string SystemFingerprint = "fp_warden_sim";

    /// <summary>
    /// Relaxed escaping writes quotes as \" (not \u0022) and keeps non-ASCII as is, as OpenAI does;
    /// the output is only ever served as application/json or text/event-stream, never into HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteCompletion(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorAnswer answer, bool includeUsage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(answer);
        writer.WriteStartObject();
        writer.WriteString("id", meta.Id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", meta.Created);
        writer.WriteString("model", meta.Model);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        writer.WriteString("content", answer.Content);
        if (answer.ReasoningContent is not null)
        {
            writer.WriteString("reasoning_content", answer.ReasoningContent);
        }

        writer.WriteNull("refusal");
        if (answer.ToolCalls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in answer.ToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", call.Id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", answer.FinishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (includeUsage)
        {
            WriteUsage(writer, answer.Usage);
        }

        writer.WriteString("system_fingerprint", SystemFingerprint);
        writer.WriteEndObject();
    }

    public static void WriteRoleChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, bool usageNull)
    {
        WriteChunkStart(writer, meta);
        writer.WriteString("role", "assistant");
        writer.WriteString("content", "");
        writer.WriteNull("refusal");
        WriteChunkEnd(writer, null, usageNull);
    }

    public static void WriteReasoningChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, ReadOnlySpan<char> text, bool usageNull)
    {
        WriteChunkStart(writer, meta);
        writer.WriteString("reasoning_content", text);
        WriteChunkEnd(writer, null, usageNull);
    }

    public static void WriteContentChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, ReadOnlySpan<char> text, bool usageNull)
    {
        WriteChunkStart(writer, meta);
        writer.WriteString("content", text);
        WriteChunkEnd(writer, null, usageNull);
    }

    /// <summary>The first delta of a tool call: index, id, type, name and empty arguments.</summary>
    public static void WriteToolCallStartChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, int index, SimulatorToolCall call, bool usageNull)
    {
        ArgumentNullException.ThrowIfNull(call);
        WriteChunkStart(writer, meta);
        writer.WriteStartArray("tool_calls");
        writer.WriteStartObject();
        writer.WriteNumber("index", index);
        writer.WriteString("id", call.Id);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", call.Name);
        writer.WriteString("arguments", "");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteChunkEnd(writer, null, usageNull);
    }

    public static void WriteToolCallArgumentsChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, int index, ReadOnlySpan<char> arguments, bool usageNull)
    {
        WriteChunkStart(writer, meta);
        writer.WriteStartArray("tool_calls");
        writer.WriteStartObject();
        writer.WriteNumber("index", index);
        writer.WriteStartObject("function");
        writer.WriteString("arguments", arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteChunkEnd(writer, null, usageNull);
    }

    public static void WriteFinishChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, string finishReason, bool usageNull)
    {
        WriteChunkStart(writer, meta);
        WriteChunkEnd(writer, finishReason, usageNull);
    }

    public static void WriteUsageChunk(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorUsage usage)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteChunkEnvelope(writer, meta);
        writer.WriteStartArray("choices");
        writer.WriteEndArray();
        WriteUsage(writer, usage);
        writer.WriteEndObject();
    }

    private static void WriteChunkEnvelope(Utf8JsonWriter writer, SimulatorCompletionMeta meta)
    {
        writer.WriteString("id", meta.Id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", meta.Created);
        writer.WriteString("model", meta.Model);
        writer.WriteString("system_fingerprint", SystemFingerprint);
    }

    /// <summary>Opens the chunk up to and including "delta":{ so callers only write delta fields.</summary>
    private static void WriteChunkStart(Utf8JsonWriter writer, SimulatorCompletionMeta meta)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteChunkEnvelope(writer, meta);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("delta");
    }

    /// <summary>
    /// Closes what <see cref="WriteChunkStart"/> opened. "usage":null appears on every chunk only when
    /// the client asked for usage, exactly as OpenAI does; otherwise the field is absent.
    /// </summary>
    private static void WriteChunkEnd(Utf8JsonWriter writer, string? finishReason, bool usageNull)
    {
        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", finishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (usageNull)
        {
            writer.WriteNull("usage");
        }

        writer.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter writer, SimulatorUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.TotalTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CachedTokens);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
