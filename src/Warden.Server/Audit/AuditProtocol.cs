namespace Warden.Server.Audit;

/// <summary>The wire protocol an audited endpoint speaks (<c>--protocol</c>).</summary>
internal enum AuditProtocol
{
    /// <summary>OpenAI Chat Completions: <c>POST {base}/chat/completions</c>.</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses: <c>POST {base}/responses</c>.</summary>
    Responses,

    /// <summary>Anthropic Messages: <c>POST {base}/messages</c>.</summary>
    Anthropic,

    /// <summary>Gemini: <c>POST {base}/models/{model}:generateContent</c> and <c>:streamGenerateContent</c>.</summary>
    Gemini,
}
