using System.Globalization;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>Tolerant reads of the fields an answer may or may not carry: absent, null or mistyped is null, never an exception.</summary>
internal static class AuditJson
{
    public static JsonElement? Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    public static JsonElement? Array(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value : null;

    /// <summary>The items of an array field; none when it is absent or not an array.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        Array(parent, name) is { } array ? array.EnumerateArray() : [];

    public static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool True(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>An integer field; some OpenAI-compatible servers and Gemini's model list write counts as strings.</summary>
    public static long? Long(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out long number) => number,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) => parsed,
            _ => null,
        };
    }

    /// <summary>The first of <paramref name="names"/> that holds an integer.</summary>
    public static long? FirstLong(JsonElement parent, params ReadOnlySpan<string> names)
    {
        foreach (string name in names)
        {
            if (Long(parent, name) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Adds two reported counts where either may be missing: null only when both are.</summary>
    public static long? Sum(long? a, long? b) => a is null && b is null ? null : checked((a ?? 0) + (b ?? 0));

    /// <summary><c>error.message</c> (all four protocols), or a top-level <c>message</c>, shortened for a report line.</summary>
    public static string? ErrorMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0]; // Gemini's streamed errors come as a one-element array
            }

            string? message = Object(root, "error") is { } error ? String(error, "message") : String(root, "message");
            return message is null ? null : message.Length <= 200 ? message : message[..200] + "…";
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
