namespace Warden.Server.Audit.Clients;

/// <summary>Creates the client for a protocol (the one place that switches on <see cref="AuditProtocol"/>).</summary>
internal static class AuditTargets
{
    public static IAuditTarget Create(AuditProtocol protocol, string label, Uri baseUrl, string model, string apiKey, AuditHttp http) => protocol switch
    {
        AuditProtocol.OpenAIChat => new OpenAIChatAuditTarget(label, baseUrl, model, apiKey, http),
        AuditProtocol.Responses => new ResponsesAuditTarget(label, baseUrl, model, apiKey, http),
        AuditProtocol.Anthropic => new AnthropicAuditTarget(label, baseUrl, model, apiKey, http),
        AuditProtocol.Gemini => new GeminiAuditTarget(label, baseUrl, model, apiKey, http),
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown audit protocol."),
    };

    /// <summary>The <c>--protocol</c> names: openai, responses, anthropic, gemini.</summary>
    public static bool TryParse(string? name, out AuditProtocol protocol)
    {
        (bool known, protocol) = name?.ToLowerInvariant() switch
        {
            "openai" or "chat" => (true, AuditProtocol.OpenAIChat),
            "responses" => (true, AuditProtocol.Responses),
            "anthropic" => (true, AuditProtocol.Anthropic),
            "gemini" => (true, AuditProtocol.Gemini),
            _ => (false, AuditProtocol.OpenAIChat),
        };
        return known;
    }
}
