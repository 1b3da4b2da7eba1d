namespace Warden.Core.Canonical;

public static partial class TranslationRules
{
    // The Gemini dialect's fields that may be left out when translating to another dialect, keyed "prefix.field",
    // each with the reason leaving it out changes nothing the client relies on. Built once, by TranslationRules.
    private static partial IReadOnlyDictionary<string, string> GeminiLeftOut => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gemini.role"] = "The role given to systemInstruction; Gemini ignores it, the instruction itself is carried as a system message.",
        ["gemini.schemaField"] = "Which field (parameters or parametersJsonSchema) carried a function's schema; the schema itself is carried.",
        ["gemini.upperCaseTypes"] = "The schema named its types in upper case (OpenAPI style); it is carried converted to lower-case JSON Schema.",
        ["gemini.responseSchemaField"] = "Which field (responseSchema or responseJsonSchema) carried the output schema; the schema itself is carried.",
        ["gemini.responseSchemaUpperCaseTypes"] = "The output schema named its types in upper case; it is carried converted to lower-case JSON Schema.",
        ["gemini.candidateCount"] = "candidateCount 1 asks for one answer, which is what every dialect returns (counts above 1 are refused).",
        ["gemini.derivedId"] = "Marks a tool-call id Warden derived because Gemini sent none; the id itself is carried.",
        ["gemini.response"] = "The original functionResponse.response object; its content is carried as the tool result's text.",
        ["gemini.safetySettings"] = "Thresholds for Google's own safety filters; other providers apply their own moderation and have no such setting.",
        ["gemini.labels"] = "Billing labels for Google Cloud reports; they do not change the answer.",
    };
}
