using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Writes the Responses "response" object around its output items: the JSON answer, and the response carried by
/// response.created / in_progress / completed / incomplete / failed events. Request settings are echoed the way
/// the API does (model is the upstream's own string, never rewritten).
/// </summary>
internal static class ResponsesResponseObject
{
    /// <summary>What goes into one response object besides its items.</summary>
    public sealed record Header(string Id, long CreatedAt, string Model, string Status, string? IncompleteReason, Chat.Usage? Usage)
    {
        public (string Code, string Message)? Error { get; init; }
    }

    public static void Write(Utf8JsonWriter writer, Header header, CanonicalRequest request, Action<Utf8JsonWriter> writeOutput)
    {
        writer.WriteStartObject();
        writer.WriteString("id", header.Id);
        writer.WriteString("object", "response");
        writer.WriteNumber("created_at", header.CreatedAt);
        writer.WriteString("status", header.Status);
        if (header.Error is { } error)
        {
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("error");
        }

        if (header.IncompleteReason is { } reason)
        {
            writer.WriteStartObject("incomplete_details");
            writer.WriteString("reason", reason);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("incomplete_details");
        }

        writer.WriteNumberOrNull("max_output_tokens", request.MaxOutputTokens);
        writer.WriteString("model", header.Model);
        writer.WriteStartArray("output");
        writeOutput(writer);
        writer.WriteEndArray();
        writer.WriteBoolean("parallel_tool_calls", request.ParallelToolCalls ?? true);
        writer.WriteNull("previous_response_id");
        writer.WriteBoolean("store", false);
        writer.WriteNumberOrNull("temperature", request.Temperature);
        writer.WriteNumberOrNull("top_p", request.TopP);
        writer.WriteString("tool_choice", request.ToolChoice?.Mode switch
        {
            ToolChoiceMode.None => "none",
            ToolChoiceMode.Required => "required",
            _ => "auto",
        });
        writer.WritePropertyName("usage");
        ResponsesUsage.Write(writer, header.Usage);
        writer.WriteEndObject();
    }
}
