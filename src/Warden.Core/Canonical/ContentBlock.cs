using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// One block of message content in Warden's provider-neutral model. The set is closed: every dialect's content
/// maps onto these, and what has no mapping travels as <see cref="UnknownBlock"/> (raw JSON, kept for pass-through
/// to the same dialect, refused with a 400 naming it when the target dialect cannot carry it).
/// </summary>
public abstract record ContentBlock
{
    /// <summary>
    /// Dialect-specific attributes of this block that have no canonical meaning but must survive a round trip
    /// to an upstream of the same dialect, keyed "dialect.field" (for example "anthropic.cache_control",
    /// "gemini.thoughtSignature", "responses.id"). Encoders of another dialect consult
    /// <see cref="TranslationRules"/> to decide whether an entry may be left out or must be refused.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }
}

/// <summary>Plain text.</summary>
public sealed record TextBlock(string Text) : ContentBlock;

/// <summary>An image, inline (base64 <see cref="Data"/> with <see cref="MediaType"/>) or by <see cref="Url"/>.</summary>
public sealed record ImageBlock(string? MediaType, string? Data, string? Url) : ContentBlock;

/// <summary>A document (PDF, plain text), inline or by URL.</summary>
public sealed record DocumentBlock(string? MediaType, string? Data, string? Url, string? Title) : ContentBlock;

/// <summary>A tool call made by the model. <see cref="ArgumentsJson"/> is the arguments object as JSON text, exactly as received.</summary>
public sealed record ToolCallBlock(string Id, string Name, string ArgumentsJson) : ContentBlock;

/// <summary>
/// The result of a tool call, sent back by the client. <see cref="Content"/> holds text, image or document blocks;
/// <see cref="WasString"/> records that the client sent a plain string, so the same dialect gets a string back.
/// </summary>
public sealed record ToolResultBlock(string CallId, string? Name, IReadOnlyList<ContentBlock> Content, bool IsError, bool WasString) : ContentBlock;

/// <summary>
/// Model reasoning. The opaque parts (<see cref="Signature"/>: Anthropic thinking signature or Gemini thought signature;
/// <see cref="EncryptedContent"/>: Responses encrypted_content; <see cref="RedactedData"/>: Anthropic redacted_thinking)
/// are kept byte-exact, so multi-turn reasoning round-trips. <see cref="Origin"/> names the dialect that produced them:
/// opaque parts are only meaningful to that provider.
/// </summary>
public sealed record ReasoningBlock(string? Text, string? Signature, string? EncryptedContent, string? RedactedData, string? Id, WireDialectName Origin) : ContentBlock
{
    /// <summary>Responses reasoning summaries, each a text, when the origin gave them separately from <see cref="Text"/>.</summary>
    public IReadOnlyList<string>? Summary { get; init; }
}

/// <summary>A block no canonical type describes, kept as raw JSON from <see cref="Origin"/>.</summary>
public sealed record UnknownBlock(WireDialectName Origin, string Type, JsonElement Raw) : ContentBlock;
