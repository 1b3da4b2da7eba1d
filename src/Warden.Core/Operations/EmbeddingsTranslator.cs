using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Warden.Core.Operations;

/// <summary>
/// Pure translation of embeddings between OpenAI (<c>/v1/embeddings</c>) and Gemini (<c>:embedContent</c>,
/// <c>:batchEmbedContents</c>), both directions, request and response. OpenAI's string input becomes one
/// <c>embedContent</c>, an array of strings one <c>batchEmbedContents</c> request each; <c>dimensions</c> is Gemini's
/// <c>outputDimensionality</c>; a base64 <c>encoding_format</c> is honoured by encoding Gemini's floats as
/// little-endian float32. What has no counterpart is refused with a 400 naming the field, never dropped: token-array
/// input (Gemini takes text only), OpenAI's <c>user</c>, Gemini's <c>taskType</c> and <c>title</c>, and non-text parts.
/// Several text parts of one Gemini content are joined with line breaks into one OpenAI input.
/// </summary>
public static class EmbeddingsTranslator
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = OperationRequestInspector.MaxDepth };

    /// <summary>An OpenAI embeddings request as a Gemini one for <paramref name="model"/> (the URL's model, without "models/").</summary>
    public static EmbeddingsTranslation OpenAIRequestToGemini(ReadOnlySpan<byte> body, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        if (!TryParse(body, out var document, out var failure))
        {
            return failure!;
        }

        using (document)
        {
            var root = document!.RootElement;
            int? dimensions = null;
            List<string>? texts = null;
            bool batch = false;
            foreach (var member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "model":
                        break;
                    case "encoding_format" when member.Value.ValueKind is JsonValueKind.Null
                        || (member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is "float" or "base64"):
                        // Carried on the way back: the response is encoded as asked.
                        break;
                    case "dimensions" when member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt32(out int d) && d > 0:
                        dimensions = d;
                        break;
                    case "dimensions" when member.Value.ValueKind == JsonValueKind.Null:
                        break;
                    case "input":
                        if (Texts(member.Value, out texts, out batch) is { } inputError)
                        {
                            return inputError;
                        }

                        break;
                    default:
                        return EmbeddingsTranslation.Fail(
                            $"'{member.Name}' has no counterpart in Gemini's embedContent and cannot be carried to this model's upstream; remove it.", member.Name);
                }
            }

            if (texts is null)
            {
                return EmbeddingsTranslation.Fail("'input' is required.", "input");
            }

            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (batch)
                {
                    writer.WriteStartArray("requests");
                    foreach (var text in texts)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("model", "models/" + model);
                        WriteGeminiContent(writer, text, dimensions);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteString("model", "models/" + model);
                    WriteGeminiContent(writer, texts[0], dimensions);
                }

                writer.WriteEndObject();
            }

            return new EmbeddingsTranslation(buffer.WrittenMemory, null, batch);
        }
    }

    /// <summary>
    /// A Gemini embedContent (or batchEmbedContents when <paramref name="batch"/>) response as OpenAI's list, with each
    /// vector as floats or, when <paramref name="base64"/>, as base64 little-endian float32s. Gemini reports no usage
    /// for embeddings, so the list carries none and <see cref="EmbeddingsTranslation.InputTokens"/> is null.
    /// </summary>
    public static EmbeddingsTranslation GeminiResponseToOpenAI(ReadOnlySpan<byte> body, bool batch, string model, bool base64)
    {
        if (!TryParse(body, out var document, out var failure))
        {
            return failure!;
        }

        using (document)
        {
            var root = document!.RootElement;
            var vectors = new List<JsonElement>();
            if (batch && root.TryGetProperty("embeddings", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (!item.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
                    {
                        return EmbeddingsTranslation.Fail("The upstream's embeddings[] item has no 'values' array.", "embeddings");
                    }

                    vectors.Add(values);
                }
            }
            else if (!batch && root.TryGetProperty("embedding", out var one) && one.ValueKind == JsonValueKind.Object
                && one.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
            {
                vectors.Add(values);
            }
            else
            {
                return EmbeddingsTranslation.Fail($"The upstream's answer has no '{(batch ? "embeddings" : "embedding.values")}'.", batch ? "embeddings" : "embedding");
            }

            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("object", "list");
                writer.WriteStartArray("data");
                for (int i = 0; i < vectors.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteString("object", "embedding");
                    writer.WriteNumber("index", i);
                    if (!WriteVector(writer, vectors[i], base64))
                    {
                        return EmbeddingsTranslation.Fail("The upstream's embedding values are not all numbers.", "values");
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("model", model);
                writer.WriteEndObject();
            }

            return new EmbeddingsTranslation(buffer.WrittenMemory, null, batch);
        }
    }

    /// <summary>
    /// A Gemini embedContent or batchEmbedContents request (model from the URL) as an OpenAI embeddings request: one
    /// string input, or an array with one string per batch request.
    /// </summary>
    public static EmbeddingsTranslation GeminiRequestToOpenAI(ReadOnlySpan<byte> body, bool batch, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        if (!TryParse(body, out var document, out var failure))
        {
            return failure!;
        }

        using (document)
        {
            var root = document!.RootElement;
            var texts = new List<string>();
            int? dimensions = null;
            if (batch)
            {
                foreach (var member in root.EnumerateObject())
                {
                    if (member.Name != "requests")
                    {
                        return EmbeddingsTranslation.Fail($"'{member.Name}' has no counterpart in OpenAI's embeddings and cannot be carried; remove it.", member.Name);
                    }
                }

                if (!root.TryGetProperty("requests", out var requests) || requests.ValueKind != JsonValueKind.Array || requests.GetArrayLength() == 0)
                {
                    return EmbeddingsTranslation.Fail("'requests' must be a non-empty array.", "requests");
                }

                int index = 0;
                foreach (var request in requests.EnumerateArray())
                {
                    string prefix = $"requests[{index}].";
                    if (request.ValueKind != JsonValueKind.Object)
                    {
                        return EmbeddingsTranslation.Fail($"'requests[{index}]' must be an object.", $"requests[{index}]");
                    }

                    if (request.TryGetProperty("model", out var named) && named.ValueKind == JsonValueKind.String && named.GetString() != "models/" + model)
                    {
                        return EmbeddingsTranslation.Fail($"'{prefix}model' must be the URL's model, models/{model}.", prefix + "model");
                    }

                    if (ReadGeminiRequest(request, prefix, out var text, out var requestDimensions) is { } error)
                    {
                        return error;
                    }

                    // OpenAI takes one dimensions for the whole request.
                    if (index > 0 && requestDimensions != dimensions)
                    {
                        return EmbeddingsTranslation.Fail(
                            $"'{prefix}outputDimensionality' differs from requests[0]'s; the upstream takes one size per batch. Send them in separate batches.", prefix + "outputDimensionality");
                    }

                    dimensions = requestDimensions;
                    texts.Add(text);
                    index++;
                }
            }
            else
            {
                if (ReadGeminiRequest(root, "", out var text, out dimensions) is { } error)
                {
                    return error;
                }

                texts.Add(text);
            }

            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("model", model);
                if (batch)
                {
                    writer.WriteStartArray("input");
                    foreach (var text in texts)
                    {
                        writer.WriteStringValue(text);
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteString("input", texts[0]);
                }

                if (dimensions is { } size)
                {
                    writer.WriteNumber("dimensions", size);
                }

                writer.WriteString("encoding_format", "float");
                writer.WriteEndObject();
            }

            return new EmbeddingsTranslation(buffer.WrittenMemory, null, batch);
        }
    }

    /// <summary>
    /// An OpenAI embeddings list as Gemini's answer: <c>{"embedding":{"values"}}</c>, or <c>{"embeddings":[...]}</c> when
    /// <paramref name="batch"/>, in the list's index order. The list's <c>usage.prompt_tokens</c> is returned for metering
    /// (Gemini's answer has no place for it).
    /// </summary>
    public static EmbeddingsTranslation OpenAIResponseToGemini(ReadOnlySpan<byte> body, bool batch)
    {
        if (!TryParse(body, out var document, out var failure))
        {
            return failure!;
        }

        using (document)
        {
            var root = document!.RootElement;
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return EmbeddingsTranslation.Fail("The upstream's answer has no 'data' array.", "data");
            }

            var items = new SortedDictionary<int, JsonElement>();
            foreach (var item in data.EnumerateArray())
            {
                int index = item.TryGetProperty("index", out var i) && i.TryGetInt32(out int value) ? value : items.Count;
                if (!item.TryGetProperty("embedding", out var embedding) || !items.TryAdd(index, embedding))
                {
                    return EmbeddingsTranslation.Fail("The upstream's data[] items need an 'embedding' and distinct indexes.", "data");
                }
            }

            if (!batch && items.Count != 1)
            {
                return EmbeddingsTranslation.Fail($"The upstream answered {items.Count} embeddings for one input.", "data");
            }

            long? tokens = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.TryGetInt64(out long count) ? count : null;
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (batch)
                {
                    writer.WriteStartArray("embeddings");
                }

                foreach (var embedding in items.Values)
                {
                    if (batch)
                    {
                        writer.WriteStartObject();
                    }
                    else
                    {
                        writer.WriteStartObject("embedding");
                    }

                    if (!WriteValues(writer, embedding))
                    {
                        return EmbeddingsTranslation.Fail("The upstream's embedding is neither a number array nor base64 float32s.", "data");
                    }

                    writer.WriteEndObject();
                }

                if (batch)
                {
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            return new EmbeddingsTranslation(buffer.WrittenMemory, null, batch, tokens);
        }
    }

    private static bool TryParse(ReadOnlySpan<byte> body, out JsonDocument? document, out EmbeddingsTranslation? failure)
    {
        document = null;
        failure = null;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), DocumentOptions);
        }
        catch (JsonException)
        {
            failure = EmbeddingsTranslation.Fail("The body is not valid JSON.", null);
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            failure = EmbeddingsTranslation.Fail("The body must be a JSON object.", null);
            return false;
        }

        return true;
    }

    private static EmbeddingsTranslation? Texts(JsonElement input, out List<string> texts, out bool batch)
    {
        texts = [];
        batch = input.ValueKind == JsonValueKind.Array;
        if (input.ValueKind == JsonValueKind.String)
        {
            texts.Add(input.GetString()!);
            return null;
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            return EmbeddingsTranslation.Fail("'input' must be a string or a non-empty array of strings.", "input");
        }

        int index = 0;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                // Token ids belong to one tokenizer; Gemini takes text only, so they cannot be carried.
                string param = item.ValueKind == JsonValueKind.Number ? "input" : $"input[{index}]";
                return EmbeddingsTranslation.Fail($"'{param}' holds token ids; this model's upstream (Gemini) embeds text only. Send strings.", param);
            }

            texts.Add(item.GetString()!);
            index++;
        }

        return null;
    }

    private static EmbeddingsTranslation? ReadGeminiRequest(JsonElement request, string prefix, out string text, out int? dimensions)
    {
        text = "";
        dimensions = null;
        JsonElement? content = null;
        foreach (var member in request.EnumerateObject())
        {
            switch (member.Name)
            {
                case "model":
                    break;
                case "content":
                    content = member.Value;
                    break;
                case "outputDimensionality" when member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt32(out int d) && d > 0:
                    dimensions = d;
                    break;
                case "taskType" when member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() == "TASK_TYPE_UNSPECIFIED":
                    break;
                default:
                    return EmbeddingsTranslation.Fail(
                        $"'{prefix}{member.Name}' has no counterpart in OpenAI's embeddings and cannot be carried to this model's upstream; remove it.", prefix + member.Name);
            }
        }

        if (content is not { ValueKind: JsonValueKind.Object } c || !c.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
        {
            return EmbeddingsTranslation.Fail($"'{prefix}content.parts' must be a non-empty array of text parts.", prefix + "content");
        }

        var joined = new StringBuilder();
        int index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
            {
                return EmbeddingsTranslation.Fail($"'{prefix}content.parts[{index}]' is not a text part; this model's upstream embeds text only.", $"{prefix}content.parts[{index}]");
            }

            joined.Append(index == 0 ? "" : "\n").Append(value.GetString());
            index++;
        }

        text = joined.ToString();
        return null;
    }

    private static void WriteGeminiContent(Utf8JsonWriter writer, string text, int? dimensions)
    {
        writer.WriteStartObject("content");
        writer.WriteStartArray("parts");
        writer.WriteStartObject();
        writer.WriteString("text", text);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        if (dimensions is { } size)
        {
            writer.WriteNumber("outputDimensionality", size);
        }
    }

    /// <summary>Writes OpenAI's <c>embedding</c> member from Gemini's values: the numbers as they are, or packed as base64.</summary>
    private static bool WriteVector(Utf8JsonWriter writer, JsonElement values, bool base64)
    {
        if (!base64)
        {
            writer.WriteStartArray("embedding");
            foreach (var value in values.EnumerateArray())
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    return false;
                }

                // The upstream's number text, unchanged: no float round trip alters a digit.
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
            }

            writer.WriteEndArray();
            return true;
        }

        var bytes = new byte[values.GetArrayLength() * sizeof(float)];
        int i = 0;
        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                return false;
            }

            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i), value.GetSingle());
            i += sizeof(float);
        }

        writer.WriteBase64String("embedding", bytes);
        return true;
    }

    /// <summary>Writes Gemini's <c>values</c> from OpenAI's embedding: a number array as it is, a base64 string unpacked.</summary>
    private static bool WriteValues(Utf8JsonWriter writer, JsonElement embedding)
    {
        writer.WriteStartArray("values");
        if (embedding.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in embedding.EnumerateArray())
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    return false;
                }

                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
            }
        }
        else if (embedding.ValueKind == JsonValueKind.String && embedding.TryGetBytesFromBase64(out var bytes) && bytes.Length % sizeof(float) == 0)
        {
            for (int i = 0; i < bytes.Length; i += sizeof(float))
            {
                writer.WriteNumberValue(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i)));
            }
        }
        else
        {
            return false;
        }

        writer.WriteEndArray();
        return true;
    }
}
