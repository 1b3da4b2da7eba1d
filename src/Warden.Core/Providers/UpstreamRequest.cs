using Warden.Core.Canonical;

namespace Warden.Core.Providers;

/// <summary>What one attempt sends: which operation of the upstream's dialect, the body, and the few client headers a dialect forwards.</summary>
/// <param name="Operation">The operation, which picks the path.</param>
/// <param name="Model">The upstream model (Gemini puts it in the path).</param>
/// <param name="Body">The JSON body, exactly as it goes out.</param>
/// <param name="Stream">Whether a stream is asked for.</param>
/// <param name="AnthropicVersion">The client's anthropic-version, forwarded to Anthropic upstreams when the client spoke Anthropic.</param>
/// <param name="AnthropicBeta">The client's anthropic-beta list, forwarded to Anthropic upstreams when the client spoke Anthropic.</param>
public sealed record UpstreamRequest(
    UpstreamOperation Operation,
    string Model,
    ReadOnlyMemory<byte> Body,
    bool Stream,
    string? AnthropicVersion = null,
    string? AnthropicBeta = null)
{
    /// <summary>The path relative to the channel's base URL (which includes the version segment).</summary>
    public string RelativePath(WireDialectName dialect) =>
        Dialects.WireDialects.For(dialect).UpstreamPath(Operation, Model, Stream)
        ?? throw new NotSupportedException($"{dialect} upstreams have no {Operation} operation.");
}

/// <summary>The upstream operations Warden calls.</summary>
public enum UpstreamOperation
{
    /// <summary>Generate an answer (chat/completions, responses, messages, generateContent).</summary>
    Generate,

    /// <summary>Count input tokens (Anthropic messages/count_tokens, Gemini countTokens).</summary>
    CountTokens,
}
