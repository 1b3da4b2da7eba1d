using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// A tool the client declares. Function tools have a name, a description and a JSON Schema for their input.
/// Other tool types (Responses' web_search and namespace, Anthropic's server tools) keep their raw JSON in
/// <see cref="Raw"/> with <see cref="Kind"/> set to their type: they pass through to the same dialect and are
/// refused with a 400 naming them for another.
/// </summary>
public sealed record ToolDefinition(string Kind, string Name, string? Description, JsonElement? InputSchema)
{
    public const string FunctionKind = "function";

    /// <summary>The raw declaration, for tools that are not plain functions.</summary>
    public JsonElement? Raw { get; init; }

    /// <summary>The dialect the raw declaration came from.</summary>
    public WireDialectName? Origin { get; init; }

    /// <summary>OpenAI's strict flag for function schemas.</summary>
    public bool? Strict { get; init; }

    /// <summary>Dialect-specific attributes (e.g. "anthropic.cache_control"), keyed "dialect.field".</summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }

    public bool IsFunction => Kind == FunctionKind;
}

/// <summary>How the model may use tools.</summary>
public enum ToolChoiceMode
{
    Auto,
    None,

    /// <summary>Must call some tool (OpenAI "required", Anthropic "any", Gemini ANY).</summary>
    Required,

    /// <summary>Must call <see cref="ToolChoice.Name"/>.</summary>
    Specific,
}

/// <summary>The client's tool choice.</summary>
public sealed record ToolChoice(ToolChoiceMode Mode, string? Name);
