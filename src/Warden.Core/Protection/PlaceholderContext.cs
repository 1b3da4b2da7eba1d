namespace Warden.Core.Protection;

/// <summary>What kind of text a <see cref="PlaceholderRestorer"/> restores into.</summary>
public enum PlaceholderContext
{
    /// <summary>Plain text (message text, reasoning): the value goes back as it was.</summary>
    Text,

    /// <summary>
    /// JSON text (tool-call arguments), where placeholders stand inside string literals: the value goes back
    /// JSON-escaped, so quotes, backslashes and control characters in it keep the JSON valid.
    /// </summary>
    Json,
}
