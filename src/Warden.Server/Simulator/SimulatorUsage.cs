namespace Warden.Server.Simulator;

/// <summary>The token counts reported to the client, in OpenAI's terms (reasoning tokens are part of completion tokens).</summary>
internal sealed record SimulatorUsage(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    int CachedTokens,
    int ReasoningTokens);
