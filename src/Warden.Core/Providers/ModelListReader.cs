using System.Text.Json;

namespace Warden.Core.Providers;

/// <summary>
/// Reads an upstream's model list: OpenAI's and Anthropic's <c>{"data":[{"id":…}]}</c> or Gemini's
/// <c>{"models":[{"name":"models/…"}]}</c>. Null for anything else.
/// </summary>
public static class ModelListReader
{
    public static IReadOnlyList<string>? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                return Names(data, "id", "");
            }

            return root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array ? Names(models, "name", "models/") : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<string> Names(JsonElement array, string property, string prefix)
    {
        var names = new List<string>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } name)
            {
                names.Add(name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name);
            }
        }

        return names;
    }
}
