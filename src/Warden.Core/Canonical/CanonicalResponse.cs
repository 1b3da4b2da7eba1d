namespace Warden.Core.Canonical;

/// <summary>A complete (non-streamed) answer in the provider-neutral model.</summary>
/// <param name="Id">The upstream's response id.</param>
/// <param name="Model">The model as the upstream reported it: never rewritten.</param>
/// <param name="Content">Output blocks in order: reasoning, text, tool calls.</param>
/// <param name="StopReason">Why the model stopped.</param>
/// <param name="Usage">Usage as reported, in canonical semantics.</param>
public sealed record CanonicalResponse(string Id, string Model, IReadOnlyList<ContentBlock> Content, StopReason StopReason, Chat.Usage Usage)
{
    /// <summary>The stop sequence that ended the output, when the upstream said.</summary>
    public string? StopSequence { get; init; }

    /// <summary>Creation time as Unix seconds, when the upstream said.</summary>
    public long? Created { get; init; }
}
