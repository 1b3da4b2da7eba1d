using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Moderations in OpenAI's shape (POST /v1/moderations: <c>input</c> a string, strings, or multimodal parts; <c>model</c>
/// optional). An input is flagged when it contains the marker <c>sim-flag</c>; <c>sim-flag:CATEGORY</c> names the
/// category (default violence). Every other score is a small number derived from the text, so answers are repeatable.
/// </summary>
internal static class SimulatorModerations
{
    public const string Operation = "moderations";

    public const string Marker = "sim-flag";

    public static readonly string[] Categories =
    [
        "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
        "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic",
    ];

    public static async Task HandleAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.OptionalString(root, "model", out var named);
        string model = named ?? SimulatorOperationModels.Moderation;
        call.Model = model;
        var inputs = new List<string>();
        error ??= ReadInputs(root, inputs) ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        await call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", "modr-" + SimulatorSeed.Hex24(call.Id));
            writer.WriteString("model", model);
            writer.WriteStartArray("results");
            foreach (var input in inputs)
            {
                string? flagged = FlaggedCategory(input);
                writer.WriteStartObject();
                writer.WriteBoolean("flagged", flagged is not null);
                writer.WriteStartObject("categories");
                foreach (var category in Categories)
                {
                    writer.WriteBoolean(category, category == flagged);
                }

                writer.WriteEndObject();
                writer.WriteStartObject("category_scores");
                foreach (var category in Categories)
                {
                    writer.WriteNumber(category, category == flagged ? 0.99 : LowScore(input, category));
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>The category an input is flagged for, or null.</summary>
    public static string? FlaggedCategory(string input)
    {
        int at = input.IndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        int start = at + Marker.Length;
        if (start < input.Length && input[start] == ':')
        {
            var rest = input[(start + 1)..];
            var named = Categories.Where(c => rest.StartsWith(c, StringComparison.OrdinalIgnoreCase)).OrderByDescending(c => c.Length).FirstOrDefault();
            if (named is not null)
            {
                return named;
            }
        }

        return "violence";
    }

    private static double LowScore(string input, string category) =>
        (SimulatorEmbedding.Fnv1a(Encoding.UTF8.GetBytes(category + "\n" + input)) % 1000) / 100_000.0;

    private static SimulatorError? ReadInputs(JsonElement root, List<string> inputs)
    {
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            return SimulatorError.MissingParameter("input");
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            inputs.Add(input.GetString()!);
            return null;
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            return SimulatorError.InvalidType("input", "a string, an array of strings or an array of input parts");
        }

        // An array of multimodal parts is one input; an array of strings is one input each.
        if (input[0].ValueKind == JsonValueKind.Object)
        {
            var text = new StringBuilder();
            int index = 0;
            foreach (var part in input.EnumerateArray())
            {
                string? type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (type == "text" && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    text.Append(value.GetString()).Append('\n');
                }
                else if (type != "image_url")
                {
                    return SimulatorError.InvalidValue($"input[{index}].type", $"input[{index}] must be a 'text' or 'image_url' part.");
                }

                index++;
            }

            inputs.Add(text.ToString());
            return null;
        }

        int i = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return SimulatorError.InvalidType($"input[{i}]", "a string");
            }

            inputs.Add(item.GetString()!);
            i++;
        }

        return null;
    }
}
