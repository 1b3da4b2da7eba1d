using System.Text.Json;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Rerank in the Cohere/Jina shape vLLM serves (POST /v1/rerank and /v2/rerank): <c>query</c>, <c>documents</c> (strings
/// or <c>{"text"}</c> objects), <c>top_n</c>, <c>return_documents</c> (default true, as vLLM and Jina). Each document's
/// relevance is the cosine of its sim-embed vector with the query's, mapped to [0, 1]. Usage is reported both ways:
/// vLLM's <c>usage.total_tokens</c> (query plus document tokens per pair) and Cohere's
/// <c>meta.billed_units.search_units</c> (one per query and each started hundred documents).
/// </summary>
internal static class SimulatorRerank
{
    public const string Operation = "rerank";

    public const int MaxDocuments = 1000;

    /// <summary>Documents one Cohere search unit covers.</summary>
    public const int DocumentsPerSearchUnit = 100;

    public static async Task HandleAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.RequiredString(root, "model", out var model);
        call.Model = error is null ? model : null;
        string query = "";
        var documents = new List<string>();
        int? topN = null;
        bool? returnDocuments = null;
        error ??= SimulatorOperationFields.RequiredString(root, "query", out query)
            ?? ReadDocuments(root, documents)
            ?? SimulatorOperationFields.OptionalInt(root, "top_n", 1, int.MaxValue, out topN)
            ?? SimulatorOperationFields.OptionalBool(root, "return_documents", out returnDocuments)
            ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        var queryVector = SimulatorEmbedding.Of(query, SimulatorOperationModels.EmbeddingDimensions);
        var ranked = documents
            .Select((text, index) => (Index: index, Text: text, Score: (SimulatorEmbedding.Cosine(queryVector, SimulatorEmbedding.Of(text, SimulatorOperationModels.EmbeddingDimensions)) + 1) / 2))
            .OrderByDescending(result => result.Score)
            .ThenBy(result => result.Index)
            .Take(topN ?? documents.Count)
            .ToList();
        int queryTokens = SimulatorTokens.Count(query);
        int tokens = documents.Sum(text => checked(queryTokens + SimulatorTokens.Count(text)));
        int searchUnits = (documents.Count + DocumentsPerSearchUnit - 1) / DocumentsPerSearchUnit;
        call.Usage = new SimulatorUsage(tokens, 0, tokens, 0, 0);
        await call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", "rerank-" + SimulatorSeed.Hex24(call.Id));
            writer.WriteString("model", model);
            writer.WriteStartArray("results");
            foreach (var (index, text, score) in ranked)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", index);
                writer.WriteNumber("relevance_score", Math.Round(score, 6));
                if (returnDocuments ?? true)
                {
                    writer.WriteStartObject("document");
                    writer.WriteString("text", text);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("usage");
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteStartObject("meta");
            writer.WriteStartObject("billed_units");
            writer.WriteNumber("search_units", searchUnits);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private static SimulatorError? ReadDocuments(JsonElement root, List<string> documents)
    {
        if (!root.TryGetProperty("documents", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return SimulatorError.MissingParameter("documents");
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return SimulatorError.InvalidType("documents", "an array");
        }

        int count = list.GetArrayLength();
        if (count == 0 || count > MaxDocuments)
        {
            return SimulatorError.InvalidValue("documents", $"'documents' must hold between 1 and {MaxDocuments} items; got {count}.");
        }

        int index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                documents.Add(item.GetString()!);
            }
            else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                documents.Add(text.GetString()!);
            }
            else
            {
                return SimulatorError.InvalidType($"documents[{index}]", "a string or an object with a 'text' string");
            }

            index++;
        }

        return null;
    }
}
