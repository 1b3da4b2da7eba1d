namespace Warden.Server.Residency;

/// <summary>
/// How jurisdiction names are written and compared. Channels declare an ISO 3166 code ("US", "CN", "SG", or an
/// operator's "EU") or "local" (a server on the operator's own network: vLLM, Ollama, the simulator). Names compare
/// case-insensitively; codes are kept upper case and "local" lower case.
/// </summary>
internal static class Jurisdictions
{
    public const string Local = "local";

    /// <summary>The written form of a name, or null when it is not one (empty, too long, not letters, digits or '-').</summary>
    public static string? Normalise(string? name)
    {
        string trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > 64 || !trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return null;
        }

        return string.Equals(trimmed, Local, StringComparison.OrdinalIgnoreCase) ? Local : trimmed.ToUpperInvariant();
    }

    public static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
