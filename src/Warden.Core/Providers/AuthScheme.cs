namespace Warden.Core.Providers;

/// <summary>How a provider expects its credential on each request.</summary>
public enum AuthScheme
{
    /// <summary><c>Authorization: Bearer &lt;credential&gt;</c> (OpenAI and every compatible vendor).</summary>
    Bearer,

    /// <summary>No credential (local vLLM or Ollama without auth).</summary>
    None,

    /// <summary><c>x-api-key: &lt;credential&gt;</c> (Anthropic).</summary>
    XApiKey,

    /// <summary><c>x-goog-api-key: &lt;credential&gt;</c> (Gemini API).</summary>
    GoogApiKey,

    /// <summary><c>api-key: &lt;credential&gt;</c> (Azure OpenAI with a resource key).</summary>
    AzureApiKey,
}
