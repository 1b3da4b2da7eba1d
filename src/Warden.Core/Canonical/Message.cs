using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>Who wrote a message.</summary>
public enum MessageRole
{
    /// <summary>Instructions: Anthropic's system, OpenAI's system, Gemini's systemInstruction; may appear mid-conversation.</summary>
    System,

    /// <summary>OpenAI's developer role, kept apart from system so the same dialect gets it back.</summary>
    Developer,

    /// <summary>The user, and tool results (as <see cref="ToolResultBlock"/>s).</summary>
    User,

    /// <summary>The model.</summary>
    Assistant,
}

/// <summary>One message of the conversation. Tool results are blocks of a User message, as in Anthropic's protocol.</summary>
public sealed record Message(MessageRole Role, IReadOnlyList<ContentBlock> Content)
{
    /// <summary>OpenAI's optional participant name.</summary>
    public string? Name { get; init; }

    /// <summary>The message's content was a plain string (not an array), so the same dialect gets a string back.</summary>
    public bool WasString { get; init; }

    /// <summary>Dialect-specific message attributes, keyed "dialect.field".</summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }
}
