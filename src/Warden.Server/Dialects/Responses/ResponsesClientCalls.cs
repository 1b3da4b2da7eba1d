using System.Text.Json;
using Warden.Core.Dialects.Responses;
using Warden.Server.Relay;

namespace Warden.Server.Dialects.Responses;

/// <summary>
/// Responses output items that the client runs but that the canonical model does not carry as tool calls (a custom tool's
/// call, Codex's local shell, shell and apply_patch, computer use): the pass-through relay checks them by their type (and a
/// custom tool's name) against the tools the request declared, so an injected shell command is stopped like an injected
/// function call. Their input is the tool's own (free text, an action object), so only the name or type is checked.
/// </summary>
internal static class ResponsesClientCalls
{
    private static readonly byte[] ItemAdded = "\"response.output_item.added\""u8.ToArray();

    public static bool IsClientRun(string? type) => ResponsesDialect.Instance.IsClientRunItem(type);

    /// <summary>The refusal for an item the client would run although the request declared no such tool; null when it may pass.</summary>
    public static ToolCallRefusal? Check(JsonElement item, DeclaredTools declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        if (item.ValueKind != JsonValueKind.Object
            || !item.TryGetProperty("type"u8, out var typeElement)
            || typeElement.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string? type = typeElement.GetString();
        string? name = item.TryGetProperty("name"u8, out var nameElement) && nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString() : null;
        bool declaredHere = type switch
        {
            "custom_tool_call" => declared.Contains(name),
            "local_shell_call" => declared.ContainsType("local_shell"),
            "shell_call" => declared.ContainsType("shell"),
            "apply_patch_call" => declared.ContainsType("apply_patch"),
            "computer_call" => declared.ContainsType("computer_use_preview") || declared.ContainsType("computer"),
            _ => true,
        };
        return declaredHere ? null : new ToolCallRefusal(ToolCallRefusalReason.UndeclaredName, type == "custom_tool_call" ? name : type);
    }

    /// <summary>
    /// For a stream event: the refusal when it is a <c>response.output_item.added</c> of a client-run item the request did
    /// not declare. Other events cost one search for the event's name; the declared tools are read only for such an item.
    /// </summary>
    public static ToolCallRefusal? CheckEvent(ReadOnlySpan<byte> data, ToolCallGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        if (data.IndexOf(ItemAdded) < 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("item"u8, out var item)
                && item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("type"u8, out var type)
                && IsClientRun(type.GetString())
                    ? Check(item, guard.Declared)
                    : null;
        }
        catch (JsonException)
        {
            // The decoder beside the bytes has already judged the event; nothing more to say here.
            return null;
        }
    }
}
