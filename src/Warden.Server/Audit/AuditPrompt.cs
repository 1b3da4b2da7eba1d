namespace Warden.Server.Audit;

/// <summary>One request an audit check wants sent, independent of the protocol that carries it.</summary>
internal sealed record AuditPrompt
{
    public required IReadOnlyList<AuditMessage> Messages { get; init; }

    /// <summary>The output limit (<c>max_tokens</c>, <c>max_output_tokens</c>, <c>maxOutputTokens</c>).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Sampling temperature; null leaves it out of the request (the provider's default).</summary>
    public double? Temperature { get; init; }

    /// <summary>Ask for a streamed answer; the client still returns one assembled <see cref="AuditReply"/>.</summary>
    public bool Stream { get; init; }

    /// <summary>Function tools to declare; empty declares none (and sends no tool fields at all).</summary>
    public IReadOnlyList<AuditToolDefinition> Tools { get; init; } = [];
}
