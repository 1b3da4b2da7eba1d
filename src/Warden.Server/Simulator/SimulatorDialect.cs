namespace Warden.Server.Simulator;

/// <summary>The wire protocols the simulator speaks; each has its own URLs, auth header, error shape and stream format.</summary>
internal enum SimulatorDialect
{
    /// <summary>OpenAI Chat Completions: POST /v1/chat/completions.</summary>
    OpenAIChat,

    /// <summary>Anthropic Messages: POST /v1/messages and /v1/messages/count_tokens.</summary>
    Anthropic,

    /// <summary>OpenAI Responses: POST /v1/responses.</summary>
    Responses,

    /// <summary>Gemini: /v1beta/models/{model}:generateContent, :streamGenerateContent, :countTokens.</summary>
    Gemini,
}

/// <summary>Names and URL-based detection of <see cref="SimulatorDialect"/>.</summary>
internal static class SimulatorDialects
{
    /// <summary>The name recorded in the journal ("openai_chat", "anthropic", "responses", "gemini").</summary>
    public static string JournalName(SimulatorDialect dialect) => dialect switch
    {
        SimulatorDialect.Anthropic => "anthropic",
        SimulatorDialect.Responses => "responses",
        SimulatorDialect.Gemini => "gemini",
        _ => "openai_chat",
    };

    /// <summary>The dialect whose auth and error shape apply to a path; everything not Anthropic or Gemini answers like OpenAI.</summary>
    public static SimulatorDialect FromPath(PathString path)
    {
        if (path.StartsWithSegments("/v1/messages", StringComparison.Ordinal))
        {
            return SimulatorDialect.Anthropic;
        }

        if (path.StartsWithSegments("/v1beta", StringComparison.Ordinal))
        {
            return SimulatorDialect.Gemini;
        }

        return path.StartsWithSegments("/v1/responses", StringComparison.Ordinal) ? SimulatorDialect.Responses : SimulatorDialect.OpenAIChat;
    }
}
