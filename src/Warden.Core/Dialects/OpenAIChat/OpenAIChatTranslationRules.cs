namespace Warden.Core.Canonical;

public static partial class TranslationRules
{
    // The OpenAIChat dialect's fields that may be left out when translating to another dialect, keyed "prefix.field",
    // each with the reason leaving it out changes nothing the client relies on. Built once, by TranslationRules.
    // Deliberately NOT here (they change the answer, so another dialect refuses them naming the field): n > 1,
    // logprobs, top_logprobs, logit_bias, frequency_penalty, presence_penalty, audio, modalities, prediction,
    // verbosity, web_search_options, functions / function_call (legacy), vendor switches such as enable_thinking
    // or thinking, a non-null assistant refusal, the legacy function role, a json_schema description. n 1, logprobs
    // false and zero penalties are their defaults and are read as absent by the decoder.
    private static partial IReadOnlyDictionary<string, string> OpenAIChatLeftOut => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["openai_chat.store"] = "Asks OpenAI to keep the completion for its dashboard and evals; it has no effect on the answer.",
        ["openai_chat.metadata"] = "Tags for completions stored at OpenAI (store); they have no effect on the answer.",
        ["openai_chat.service_tier"] = "Picks OpenAI's processing tier (latency and price); the content of the answer does not depend on it.",
        ["openai_chat.prompt_cache_key"] = "A routing hint for OpenAI's prompt cache; it changes cost and latency only, never the answer.",
        ["openai_chat.safety_identifier"] = "An end-user id for OpenAI's abuse monitoring, sent beside 'user' (which is carried); it has no effect on the answer.",
        ["openai_chat.stream_options"] = "Carried canonically: include_usage is the request's IncludeUsage, and Warden asks every upstream for usage anyway.",
        ["openai_chat.max_tokens_field"] = "Only records whether the client named the cap max_tokens or max_completion_tokens; the cap itself is carried.",
        ["openai_chat.user_field"] = "Only records that the end-user id came as safety_identifier; the id itself is carried as the request's user.",
        ["openai_chat.stop"] = "Carried canonically as the stop sequences; only the string-or-array form of the original is left out.",
        ["openai_chat.seed"] = "Best-effort determinism only (OpenAI does not guarantee it either): without it, repeated identical requests may get different answers, each of the same kind.",
        ["openai_chat.reasoning_content"] = "Marks reasoning text that came in an assistant message's reasoning_content; the text itself is carried as a reasoning block.",
        ["openai_chat.detail"] = "OpenAI's image resolution and cost hint (low, high, auto); other providers read images at their own resolution.",
        ["openai_chat.cache_control"] = "A prompt-cache hint some OpenAI-compatible vendors accept on content parts; it changes cost only, never the answer.",
    };
}
