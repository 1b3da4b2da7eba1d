namespace Warden.Core.Chat;

/// <summary>
/// Token usage in Warden's canonical form. Null means "not reported", never zero.
/// </summary>
/// <remarks>
/// Canonical semantics (the mapping per provider lives in each provider's usage reader, see
/// docs/architecture.md "Usage mapping"):
/// <list type="bullet">
/// <item><see cref="InputTokens"/> counts every input token the upstream processed, cached ones included.</item>
/// <item><see cref="CacheReadTokens"/> and <see cref="CacheWriteTokens"/> are subsets of <see cref="InputTokens"/>.</item>
/// <item><see cref="OutputTokens"/> counts every generated token, reasoning included.</item>
/// <item><see cref="ReasoningTokens"/> is a subset of <see cref="OutputTokens"/>.</item>
/// </list>
/// OpenAI counts cached tokens inside prompt_tokens; Anthropic reports them beside input_tokens.
/// Confusing the two is the most reported billing bug of other relays, hence one definition here.
/// </remarks>
public sealed record Usage(
    long? InputTokens,
    long? OutputTokens,
    long? CacheReadTokens,
    long? CacheWriteTokens,
    long? ReasoningTokens,
    UsageSource Source)
{
    public static Usage NotReported { get; } = new(null, null, null, null, null, UsageSource.NotReported);
}
