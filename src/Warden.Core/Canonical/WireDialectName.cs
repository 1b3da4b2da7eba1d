namespace Warden.Core.Canonical;

/// <summary>The four wire protocols Warden speaks, on either side of a relay.</summary>
public enum WireDialectName
{
    /// <summary>OpenAI Chat Completions (<c>POST /v1/chat/completions</c>), and every OpenAI-compatible vendor.</summary>
    OpenAIChat,

    /// <summary>Anthropic Messages (<c>POST /v1/messages</c>).</summary>
    Anthropic,

    /// <summary>OpenAI Responses (<c>POST /v1/responses</c>).</summary>
    Responses,

    /// <summary>Google Gemini API v1beta (<c>models/{model}:generateContent</c>).</summary>
    Gemini,
}
