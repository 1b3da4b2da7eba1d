using System.Buffers;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>JSON bodies other than completions: errors, the model list and the journal.</summary>
internal static class SimulatorJson
{
    // Fixed so the model list is byte-identical across runs (2025-01-01T00:00:00Z).
    private const long ModelsCreated = 1_735_689_600;

    public static void WriteError(IBufferWriter<byte> buffer, SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        using var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.Type);
        writer.WriteString("param", error.Param);
        writer.WriteString("code", error.Code);
        writer.WriteEndObject();
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
            writer.WriteEndObject();
        }

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
        writer.WriteString("model", entry.Model);
        writer.WriteBoolean("stream", entry.Stream);
        writer.WriteBoolean("include_usage", entry.IncludeUsage);
        writer.WriteString("fault", entry.Fault);
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

        writer.WriteString("received_at", entry.ReceivedAt);
        writer.WriteString("finished_at", entry.FinishedAt);
        writer.WriteEndObject();
    }
}
