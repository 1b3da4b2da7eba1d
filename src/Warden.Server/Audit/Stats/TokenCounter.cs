using Microsoft.ML.Tokenizers;

namespace Warden.Server.Audit.Stats;

/// <summary>
/// Exact local token counts for the families the audit knows, and the model → family map. Tiktoken vocabularies come
/// from the Microsoft.ML.Tokenizers data packages (loaded once, lazily). Counts are of the texts only: chat templates
/// add a per-request overhead that differs by provider, which the usage check estimates by regression.
/// </summary>
internal static class TokenCounter
{
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));
    private static readonly Lazy<Tokenizer> R50k = new(() => TiktokenTokenizer.CreateForEncoding("r50k_base"));

    /// <summary>The simulator's per-message overhead (SimulatorTokens.PerMessage), kept here so the audit does not depend on the simulator's code.</summary>
    public const int SimPerMessage = 4;

    /// <summary>The families with exact local counts.</summary>
    public static IReadOnlyList<TokenizerFamily> Known { get; } =
        [TokenizerFamily.O200k, TokenizerFamily.Cl100k, TokenizerFamily.R50k, TokenizerFamily.SimChars4];

    /// <summary>The family a model name implies, or <see cref="TokenizerFamily.None"/> when the audit cannot know it.</summary>
    public static TokenizerFamily FamilyOf(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var name = model.Trim().ToLowerInvariant();

        // Provider prefixes such as "openai/gpt-4o" name the same model.
        var slash = name.LastIndexOf('/');
        if (slash >= 0)
        {
            name = name[(slash + 1)..];
        }

        if (name.StartsWith("sim-", StringComparison.Ordinal))
        {
            return TokenizerFamily.SimChars4;
        }

        if (name.StartsWith("gpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-4.1", StringComparison.Ordinal)
            || name.StartsWith("gpt-4.5", StringComparison.Ordinal) || name.StartsWith("gpt-5", StringComparison.Ordinal)
            || name.StartsWith("chatgpt-4o", StringComparison.Ordinal) || name.StartsWith("gpt-oss", StringComparison.Ordinal)
            || IsOSeries(name))
        {
            return TokenizerFamily.O200k;
        }

        if (name.StartsWith("gpt-4", StringComparison.Ordinal) || name.StartsWith("gpt-3.5", StringComparison.Ordinal)
            || name.StartsWith("text-embedding-ada-002", StringComparison.Ordinal) || name.StartsWith("text-embedding-3", StringComparison.Ordinal))
        {
            return TokenizerFamily.Cl100k;
        }

        if (name is "davinci" or "curie" or "babbage" or "ada" || name.StartsWith("text-davinci-001", StringComparison.Ordinal))
        {
            return TokenizerFamily.R50k;
        }

        return TokenizerFamily.None;
    }

    private static bool IsOSeries(string name) =>
        name.Length >= 2 && name[0] == 'o' && name[1] is '1' or '3' or '4' && (name.Length == 2 || name[2] == '-');

    /// <summary>The tokens of one text.</summary>
    public static int Count(TokenizerFamily family, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return family switch
        {
            TokenizerFamily.O200k => O200k.Value.CountTokens(text),
            TokenizerFamily.Cl100k => Cl100k.Value.CountTokens(text),
            TokenizerFamily.R50k => R50k.Value.CountTokens(text),
            TokenizerFamily.SimChars4 => (text.Length + 3) / 4,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "no local tokenizer for this family"),
        };
    }

    /// <summary>
    /// The prompt tokens of a conversation: for the simulator exactly what it reports (ceil of all characters / 4, plus
    /// 4 per message); for tiktoken families the sum over texts, without the provider's template overhead.
    /// </summary>
    public static int CountPrompt(TokenizerFamily family, IReadOnlyList<AuditMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (family == TokenizerFamily.SimChars4)
        {
            var chars = messages.Sum(static m => m.Text.Length);
            return ((chars + 3) / 4) + (SimPerMessage * messages.Count);
        }

        return messages.Sum(m => Count(family, m.Text));
    }

    public static string Name(TokenizerFamily family) => family switch
    {
        TokenizerFamily.O200k => "o200k_base",
        TokenizerFamily.Cl100k => "cl100k_base",
        TokenizerFamily.R50k => "r50k_base",
        TokenizerFamily.SimChars4 => "sim-chars4",
        _ => "unknown",
    };
}
