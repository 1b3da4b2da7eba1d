namespace Warden.Core.Dialects;

/// <summary>Where a channel's policy changes a request of one dialect.</summary>
/// <param name="SystemPrefix">How the system prefix goes in.</param>
/// <param name="SystemField">The field that holds the system prompt (or the messages it leads).</param>
/// <param name="OutputCap">How the output cap goes in.</param>
/// <param name="CapFields">The output-limit fields the cap lowers; the first is written when none is given.</param>
public sealed record PolicySites(SystemPrefixSite SystemPrefix, string SystemField, OutputCapSite OutputCap, IReadOnlyList<string> CapFields);

/// <summary>How a system prefix is inserted.</summary>
public enum SystemPrefixSite
{
    /// <summary>A system message placed first in a role-tagged message list.</summary>
    LeadingSystemMessage,

    /// <summary>Prepended to a text field (created when absent).</summary>
    TextField,

    /// <summary>Prepended to a field that is text or a list of text blocks.</summary>
    TextOrBlocksField,

    /// <summary>A first part in Gemini's <c>systemInstruction</c> content.</summary>
    GeminiSystemInstruction,
}

/// <summary>How an output cap is inserted.</summary>
public enum OutputCapSite
{
    /// <summary>Top-level number fields.</summary>
    TopLevel,

    /// <summary>A number inside <c>generationConfig</c>.</summary>
    GenerationConfig,
}
