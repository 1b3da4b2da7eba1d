namespace Warden.Server.Simulator;

/// <summary>
/// The simulator's only tokenizer rule: one token per four UTF-16 characters, rounded up (the usual
/// rule of thumb for English). Prompt, completion and reasoning counts all use it, so a client can
/// recompute every number it sees.
/// </summary>
internal static class SimulatorTokens
{
    public const int CharsPerToken = 4;

    /// <summary>Fixed per-message overhead, like the role and separator tokens of real chat templates.</summary>
    public const int PerMessage = 4;

    /// <summary>Cached prefixes are reported in whole blocks, as OpenAI's prompt cache does.</summary>
    public const int CacheBlock = 128;

    /// <summary>Prompts shorter than this never report cached tokens, matching OpenAI's cache threshold.</summary>
    public const int CacheThreshold = 1024;

    public static int Count(int chars) => (chars + CharsPerToken - 1) / CharsPerToken;

    public static int Count(string? text) => text is null ? 0 : Count(text.Length);
}
