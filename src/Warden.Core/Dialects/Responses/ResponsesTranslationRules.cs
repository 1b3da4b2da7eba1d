namespace Warden.Core.Canonical;

public static partial class TranslationRules
{
    // The Responses dialect's fields that may be left out when translating to another dialect, keyed "prefix.field",
    // each with the reason leaving it out changes nothing the client relies on. Built once, by TranslationRules.
    // Not here, so refused when translating: responses.previous_response_id and responses.conversation (they name
    // state Warden does not have), responses.truncation other than "disabled" (auto drops history), responses.tool_choice
    // objects (allowed_tools, hosted tools), responses.instructions_items (instructions that are not a string), any other tool type.
    private static partial IReadOnlyDictionary<string, string> ResponsesLeftOut => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["responses.store"] = "Asks OpenAI to keep the response for later retrieval; Warden keeps no state and no other upstream stores it either (Codex sends store:false).",
        ["responses.include"] = "Only asks for reasoning.encrypted_content, which Warden supplies itself by wrapping the upstream's reasoning in encrypted_content.",
        ["responses.prompt_cache_key"] = "A routing hint for OpenAI's prompt cache; it changes where the request is served, never the answer.",
        ["responses.client_metadata"] = "Client telemetry (Codex session, turn and window ids); it does not reach the model.",
        ["responses.metadata"] = "Key-value tags stored with the response object; no response is stored and the model never sees them.",
        ["responses.service_tier"] = "OpenAI's processing tier (latency and price); other upstreams serve at their own single tier.",
        ["responses.safety_identifier"] = "An end-user id for OpenAI's abuse monitoring; it does not change the answer.",
        ["responses.truncation:disabled"] = "truncation:\"disabled\" is every other upstream's behaviour too: a context overflow is an error, nothing is cut.",
        ["responses.text.verbosity"] = "A hint for answer length on GPT-5 models; other upstreams answer at their default length, the content asked for is the same.",
        ["responses.stream_options"] = "Only controls obfuscation padding in OpenAI's stream events; Warden writes the client's events itself.",
        ["responses.instructions"] = "Message-level marker of the System message that came from the top-level instructions; the text itself is carried as a system message.",
        ["responses.input_string"] = "Message-level marker of a user message that was the whole input given as a plain string; the text itself is carried.",
        ["responses.namespace"] = "Namespace of a Codex namespace-tool function; the function travels as \"namespace__name\", so the model still sees the grouping in the name.",
        ["responses.namespace_description"] = "Description of a Codex namespace tool group; each function keeps its own description.",
        ["responses.id"] = "Item id of echoed history (msg_, fc_, fco_); ids only refer to OpenAI's stored items, and other upstreams link calls by call id.",
        ["responses.status"] = "Status of an echoed history item (completed); history items are complete by definition.",
        ["responses.annotations"] = "Citations attached to an earlier answer's text; the text itself is kept.",
        ["responses.logprobs"] = "Token log probabilities of an earlier answer's text; the text itself is kept.",
        ["responses.detail"] = "Image resolution hint (low/high/auto); the image itself is sent and other upstreams pick their own resolution.",
        ["responses.tool:web_search"] = "A hosted tool only OpenAI runs; other upstreams cannot run it, so the model answers without web search.",
    };
}
