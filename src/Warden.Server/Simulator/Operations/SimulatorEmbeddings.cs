using System.Text.Json;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Embeddings in OpenAI's shape (POST /v1/embeddings: <c>input</c> a string, strings, a token array or token arrays;
/// <c>encoding_format</c> float or base64; <c>dimensions</c>) and Gemini's (<c>:embedContent</c> with
/// <c>content.parts[].text</c>, <c>taskType</c>, <c>outputDimensionality</c>; <c>:batchEmbedContents</c> with
/// <c>requests[]</c>). Usage: one simulator token per four characters of text, one per element of a token array.
/// </summary>
internal static class SimulatorEmbeddings
{
    public const string Operation = "embeddings";

    /// <summary>OpenAI's cap on inputs per request.</summary>
    public const int MaxInputs = 2048;

    private static readonly string[] TaskTypes =
    [
        "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
        "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
    ];

    public static async Task OpenAIAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.RequiredString(root, "model", out var model);
        call.Model = error is null ? model : null;
        List<string>? inputs = null;
        int tokens = 0;
        string? format = null;
        int? dimensions = null;
        error ??= ReadInputs(root, out inputs, out tokens)
            ?? SimulatorOperationFields.OptionalString(root, "encoding_format", out format)
            ?? SimulatorOperationFields.OptionalChoice("encoding_format", format, "float", "base64")
            ?? SimulatorOperationFields.OptionalInt(root, "dimensions", 1, SimulatorOperationModels.EmbeddingDimensions, out dimensions)
            ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        call.Usage = new SimulatorUsage(tokens, 0, tokens, 0, 0);
        int size = dimensions ?? SimulatorOperationModels.EmbeddingDimensions;
        bool base64 = format == "base64";
        await call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (int i = 0; i < inputs!.Count; i++)
            {
                var vector = SimulatorEmbedding.Of(inputs[i], size);
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                if (base64)
                {
                    writer.WriteString("embedding", SimulatorEmbedding.Base64(vector));
                }
                else
                {
                    WriteValues(writer, "embedding", vector);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    public static async Task GeminiAsync(SimulatorOperationCall call, string model, bool batch)
    {
        call.Model = model;
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var requests = new List<(string Text, int Dimensions)>();
        SimulatorError? error;
        if (batch)
        {
            error = !root.TryGetProperty("requests", out var list) ? SimulatorError.MissingParameter("requests")
                : list.ValueKind != JsonValueKind.Array ? SimulatorError.InvalidType("requests", "an array")
                : list.GetArrayLength() == 0 ? SimulatorError.InvalidValue("requests", "'requests' must not be empty.")
                : null;
            int index = 0;
            foreach (var item in error is null ? list.EnumerateArray() : default)
            {
                var one = ("", 0);
                error = item.ValueKind != JsonValueKind.Object ? SimulatorError.InvalidType($"requests[{index}]", "an object")
                    : item.TryGetProperty("model", out var named) && named.ValueKind == JsonValueKind.String && named.GetString() != "models/" + model
                        ? SimulatorError.InvalidValue($"requests[{index}].model", $"Model '{named.GetString()}' in requests[{index}] does not match the URL's model 'models/{model}'.")
                    : ReadGeminiRequest(item, $"requests[{index}].", out one);
                if (error is not null)
                {
                    break;
                }

                requests.Add(one);
                index++;
            }
        }
        else
        {
            error = ReadGeminiRequest(root, "", out var one);
            requests.Add(one);
        }

        if (error is null && SimulatorOperationModels.OperationOf(model) != Operation)
        {
            error = new SimulatorError(StatusCodes.Status404NotFound,
                $"models/{model} is not found for API version v1beta, or is not supported for {(batch ? "batchEmbedContents" : "embedContent")}.", "invalid_request_error");
        }

        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        int tokens = requests.Sum(r => SimulatorTokens.Count(r.Text));
        call.Usage = new SimulatorUsage(tokens, 0, tokens, 0, 0);
        await call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            if (batch)
            {
                writer.WriteStartArray("embeddings");
                foreach (var (text, dimensions) in requests)
                {
                    writer.WriteStartObject();
                    WriteValues(writer, "values", SimulatorEmbedding.Of(text, dimensions));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else
            {
                writer.WriteStartObject("embedding");
                WriteValues(writer, "values", SimulatorEmbedding.Of(requests[0].Text, requests[0].Dimensions));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        });
    }

    private static SimulatorError? ReadGeminiRequest(JsonElement item, string prefix, out (string Text, int Dimensions) request)
    {
        request = ("", SimulatorOperationModels.EmbeddingDimensions);
        if (!item.TryGetProperty("content", out var content))
        {
            return SimulatorError.MissingParameter(prefix + "content");
        }

        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return SimulatorError.InvalidType(prefix + "content.parts", "an array of parts");
        }

        var text = new System.Text.StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
            {
                return SimulatorError.InvalidValue(prefix + "content.parts", "Only text parts can be embedded.");
            }

            // Several parts are one content; joined by line breaks, as the Gemini-to-OpenAI translation joins them.
            text.Append(text.Length == 0 ? "" : "\n").Append(value.GetString());
        }

        if (text.Length == 0)
        {
            return SimulatorError.InvalidValue(prefix + "content", "The content to embed is empty.");
        }

        int? dimensions = null;
        var error = SimulatorOperationFields.OptionalString(item, "taskType", out var taskType)
            ?? SimulatorOperationFields.OptionalChoice(prefix + "taskType", taskType, TaskTypes)
            ?? SimulatorOperationFields.OptionalInt(item, "outputDimensionality", 1, SimulatorOperationModels.EmbeddingDimensions, out dimensions);
        request = (text.ToString(), dimensions ?? SimulatorOperationModels.EmbeddingDimensions);
        return error;
    }

    /// <summary>OpenAI's input forms: a string, an array of strings, an array of token ids, an array of token-id arrays.</summary>
    private static SimulatorError? ReadInputs(JsonElement root, out List<string> inputs, out int tokens)
    {
        inputs = [];
        tokens = 0;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            return SimulatorError.MissingParameter("input");
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            return AddText(input.GetString()!, "input", inputs, ref tokens);
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return SimulatorError.InvalidType("input", "a string, an array of strings or an array of token arrays");
        }

        int count = input.GetArrayLength();
        if (count == 0 || count > MaxInputs)
        {
            return SimulatorError.InvalidValue("input", $"'input' must hold between 1 and {MaxInputs} items; got {count}.");
        }

        if (input[0].ValueKind == JsonValueKind.Number)
        {
            // One token array.
            return AddTokens(input, "input", inputs, ref tokens);
        }

        int index = 0;
        foreach (var item in input.EnumerateArray())
        {
            string param = $"input[{index++}]";
            var error = item.ValueKind switch
            {
                JsonValueKind.String => AddText(item.GetString()!, param, inputs, ref tokens),
                JsonValueKind.Array => AddTokens(item, param, inputs, ref tokens),
                _ => SimulatorError.InvalidType(param, "a string or an array of token ids"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static SimulatorError? AddText(string text, string param, List<string> inputs, ref int tokens)
    {
        if (text.Length == 0)
        {
            return SimulatorError.InvalidValue(param, $"'{param}' must not be an empty string.");
        }

        inputs.Add(text);
        tokens += SimulatorTokens.Count(text);
        return null;
    }

    private static SimulatorError? AddTokens(JsonElement array, string param, List<string> inputs, ref int tokens)
    {
        var ids = new List<long>();
        foreach (var id in array.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out long value) || value < 0)
            {
                return SimulatorError.InvalidType(param, "an array of non-negative integer token ids");
            }

            ids.Add(value);
        }

        if (ids.Count == 0)
        {
            return SimulatorError.InvalidValue(param, $"'{param}' must not be an empty token array.");
        }

        inputs.Add(string.Join(' ', ids));
        tokens += ids.Count;
        return null;
    }

    private static void WriteValues(Utf8JsonWriter writer, string name, float[] vector)
    {
        writer.WriteStartArray(name);
        foreach (var value in vector)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }
}
