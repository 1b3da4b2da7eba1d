using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// A request in Warden's provider-neutral model, at least as expressive as the richest dialect. Decoders fill it
/// from a client's body; encoders write it for an upstream. Nothing is dropped silently: top-level fields a
/// decoder has no canonical place for go to <see cref="Extensions"/> under "dialect.field", and an encoder of
/// another dialect either maps, declares as left out (<see cref="TranslationRules"/>), or refuses each of them.
/// </summary>
public sealed class CanonicalRequest
{
    /// <summary>The dialect the client spoke.</summary>
    public required WireDialectName Origin { get; init; }

    public required string Model { get; set; }

    public bool Stream { get; set; }

    /// <summary>OpenAI Chat's stream_options.include_usage, when the client said.</summary>
    public bool? IncludeUsage { get; set; }

    /// <summary>The conversation in order. System and developer messages may appear anywhere (Claude Code sends one mid-conversation).</summary>
    public List<Message> Messages { get; } = [];

    public List<ToolDefinition> Tools { get; } = [];

    public ToolChoice? ToolChoice { get; set; }

    /// <summary>Whether several tool calls may come in one turn; null when not said.</summary>
    public bool? ParallelToolCalls { get; set; }

    public long? MaxOutputTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public int? TopK { get; set; }

    public List<string>? StopSequences { get; set; }

    public ReasoningOptions? Reasoning { get; set; }

    public OutputFormat? OutputFormat { get; set; }

    /// <summary>An end-user identifier (OpenAI user / safety_identifier, Anthropic metadata.user_id), as given.</summary>
    public string? User { get; set; }

    /// <summary>Top-level fields with no canonical place, keyed "dialect.field" with their raw JSON value.</summary>
    public Dictionary<string, JsonElement> Extensions { get; } = new(StringComparer.Ordinal);
}
