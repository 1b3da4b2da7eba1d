using Warden.Core.Chat;

namespace Warden.Core.Providers.OpenAI;

/// <summary>What Warden reads from a Chat Completions response body or stream chunk: identity and usage, nothing of the content.</summary>
/// <param name="Id">The response id.</param>
/// <param name="Model">The model as the upstream reported it.</param>
/// <param name="Usage">Usage when the body carried a non-null <c>usage</c> object.</param>
/// <param name="HasChoices">Whether <c>choices</c> is present and non-empty.</param>
/// <param name="IsError">Whether the body is an error object (<c>{"error":...}</c>) rather than a completion.</param>
/// <param name="HasFinish">Whether a choice carries a non-null <c>finish_reason</c>: the upstream has finished generating.</param>
public readonly record struct ChatResponseFacts(string? Id, string? Model, Usage? Usage, bool HasChoices, bool IsError, bool HasFinish = false)
{
    /// <summary>The trailing chunk a stream sends when include_usage was asked: <c>choices:[]</c> and a usage object.</summary>
    public bool IsUsageOnlyChunk => Usage is not null && !HasChoices;
}
