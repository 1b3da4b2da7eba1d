namespace Warden.Core.Canonical;

public static partial class TranslationRules
{
    // The Anthropic dialect's fields that may be left out when translating to another dialect, keyed "prefix.field",
    // each with the reason leaving it out changes nothing the client relies on. Built once, by TranslationRules.
    // Not here on purpose (so refused): mcp_servers, container, inference_geo (data residency), server tools,
    // raw thinking/output_config shapes Warden does not know, document context, and anything else.
    private static partial IReadOnlyDictionary<string, string> AnthropicLeftOut => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["anthropic.cache_control"] = "A prompt-cache hint: other providers cache prompt prefixes automatically, and the answer is the same either way.",
        ["anthropic.context_management"] = "Server-side context editing of Anthropic's (e.g. clearing old thinking); the full history is still sent, so nothing the model needs is lost.",
        ["anthropic.metadata"] = "Its only member, user_id, is carried canonically as the request's user.",
        ["anthropic.service_tier"] = "Chooses Anthropic's capacity tier (priority or standard); it changes scheduling and billing, not the answer.",
        ["anthropic.citations"] = "Citations attached to earlier assistant text are display references; the text itself is sent.",
        // Harmless client hints real clients send (issue 18): transport tuning and client bookkeeping, not meaning.
        ["anthropic.eager_input_streaming"] = "A tool flag (the Vercel AI SDK sends it) asking Anthropic to stream the tool's input without buffering it for validation; it tunes how arguments arrive, not what they are.",
        ["anthropic.thread"] = "Client bookkeeping the Anthropic SDK's tool runner sends beside the request; it is not part of the conversation the model reads.",
    };
}
