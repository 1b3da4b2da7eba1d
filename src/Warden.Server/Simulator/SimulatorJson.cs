using System.Buffers;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>JSON bodies other than completions: errors, the model list and the journal.</summary>
internal static class SimulatorJson
{
    // Fixed so the model list is byte-identical across runs (2025-01-01T00:00:00Z).
    private const long ModelsCreated = 1_735_689_600;

    /// <summary>Writes the error in the dialect's shape: OpenAI's for Chat and Responses, Anthropic's with request_id, Google's status form for Gemini.</summary>
    public static void WriteError(IBufferWriter<byte> buffer, SimulatorError error, SimulatorDialect dialect, string requestId)
    {
        ArgumentNullException.ThrowIfNull(error);
        switch (dialect)
        {
            case SimulatorDialect.Anthropic:
                using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
                {
                    WriteAnthropicError(writer, error, requestId);
                }

                break;
            case SimulatorDialect.Gemini:
                using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
                {
                    WriteGeminiError(writer, error);
                }

                break;
            default:
                WriteError(buffer, error);
                break;
        }
    }

    public static void WriteAnthropicError(Utf8JsonWriter writer, SimulatorError error, string requestId)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", error.AnthropicType);
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
        writer.WriteString("request_id", requestId);
        writer.WriteEndObject();
    }

    public static void WriteGeminiError(Utf8JsonWriter writer, SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteNumber("code", error.StatusCode);
        writer.WriteString("message", error.Message);
        writer.WriteString("status", error.GoogleStatus);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteOpenAIErrorBody(Utf8JsonWriter writer, SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.Type);
        writer.WriteString("param", error.Param);
        writer.WriteString("code", error.Code);
        writer.WriteEndObject();
    }

    public static void WriteError(IBufferWriter<byte> buffer, SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        writer.WriteStartObject();
        WriteOpenAIErrorBody(writer, error);
        writer.WriteEndObject();
    }

    public static void WriteModels(IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var name in SimulatorModels.Names)
        {
            writer.WriteStartObject();
            writer.WriteString("id", name);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", ModelsCreated);
            writer.WriteString("owned_by", "warden-simulator");

            // OpenAI's list has no limit fields; these are the names OpenAI-compatible servers use, for issue 21's audit.
            writer.WriteNumber("context_window", SimulatorModels.ContextWindow);
            writer.WriteNumber("max_output_tokens", SimulatorModels.MaxOutputTokens);

            // Anthropic's model-list fields, so the one /v1/models serves both SDKs (as merged lists do).
            writer.WriteString("type", "model");
            writer.WriteString("display_name", name);
            writer.WriteString("created_at", DateTimeOffset.FromUnixTimeSeconds(ModelsCreated));
            writer.WriteEndObject();
        }

        // The other operations' models (issue 22), each naming what it serves; no token limits, they do not chat.
        foreach (var (name, operation) in Operations.SimulatorOperationModels.All)
        {
            writer.WriteStartObject();
            writer.WriteString("id", name);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", ModelsCreated);
            writer.WriteString("owned_by", "warden-simulator");
            writer.WriteStartArray("operations");
            writer.WriteStringValue(operation);
            writer.WriteEndArray();
            writer.WriteString("type", "model");
            writer.WriteString("display_name", name);
            writer.WriteString("created_at", DateTimeOffset.FromUnixTimeSeconds(ModelsCreated));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>GET /v1beta/models: {"models":[{"name":"models/…","displayName","inputTokenLimit","outputTokenLimit","supportedGenerationMethods"}]}.</summary>
    public static void WriteGeminiModels(IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("models");
        foreach (var name in SimulatorModels.Names)
        {
            writer.WriteStartObject();
            writer.WriteString("name", "models/" + name);
            writer.WriteString("displayName", name);
            writer.WriteNumber("inputTokenLimit", SimulatorModels.ContextWindow);
            writer.WriteNumber("outputTokenLimit", SimulatorModels.MaxOutputTokens);
            writer.WriteStartArray("supportedGenerationMethods");
            writer.WriteStringValue("generateContent");
            writer.WriteStringValue("countTokens");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        // Gemini's list names an embedding model by its methods, as text-embedding-004 is listed.
        writer.WriteStartObject();
        writer.WriteString("name", "models/" + Operations.SimulatorOperationModels.Embed);
        writer.WriteString("displayName", Operations.SimulatorOperationModels.Embed);
        writer.WriteNumber("inputTokenLimit", 2048);
        writer.WriteNumber("outputTokenLimit", 1);
        writer.WriteStartArray("supportedGenerationMethods");
        writer.WriteStringValue("embedContent");
        writer.WriteStringValue("batchEmbedContents");
        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteJournal(IBufferWriter<byte> buffer, IReadOnlyList<SimulatorJournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var entry in entries)
        {
            WriteEntry(writer, entry);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteJournalEntry(IBufferWriter<byte> buffer, SimulatorJournalEntry entry)
    {
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        WriteEntry(writer, entry);
    }

    private static void WriteEntry(Utf8JsonWriter writer, SimulatorJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        writer.WriteStartObject();
        writer.WriteString("id", entry.SimRequestId);
        writer.WriteString("dialect", entry.Dialect);
        writer.WriteString("model", entry.Model);
        writer.WriteBoolean("stream", entry.Stream);
        writer.WriteBoolean("include_usage", entry.IncludeUsage);
        writer.WriteString("fault", entry.Fault);
        writer.WriteString("fault_prefix", entry.FaultPrefix);
        writer.WriteString("outcome", entry.Outcome.ToString());
        writer.WriteNumber("status_code", entry.StatusCode);
        if (entry.Usage is { } usage)
        {
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", usage.PromptTokens);
            writer.WriteNumber("completion_tokens", usage.CompletionTokens);
            writer.WriteNumber("total_tokens", usage.TotalTokens);
            writer.WriteNumber("cached_tokens", usage.CachedTokens);
            writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("usage");
        }

        writer.WriteNumber("echoed_reasoning", entry.EchoedReasoning);
        if (entry.ReasoningVerified is { } verified)
        {
            writer.WriteBoolean("reasoning_verified", verified);
        }
        else
        {
            writer.WriteNull("reasoning_verified");
        }

        writer.WriteString("received_at", entry.ReceivedAt);
        writer.WriteString("finished_at", entry.FinishedAt);
        if (entry.CancelledAt is { } cancelledAt)
        {
            writer.WriteString("cancelled_at", cancelledAt);
        }
        else
        {
            writer.WriteNull("cancelled_at");
        }
        writer.WriteEndObject();
    }
}
