using System.Text.RegularExpressions;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// Finds model names in a declared-identity answer and decides whether they name another model than the one requested.
/// A bare vendor or product word ("Claude", "ChatGPT", "GPT") of the requested model's vendor is no evidence; nor is a
/// name that is a prefix of the requested one or the reverse after dropping punctuation ("GPT-4" for gpt-4o-mini,
/// "Claude 3.5 Sonnet" for claude-3-5-sonnet-20241022). An answer that names no model at all is no evidence either.
/// </summary>
internal static partial class ModelNames
{
    [GeneratedRegex(@"\b(?:gpt-?\d[\w.\-]*|o[134](?:-(?:mini|pro|preview))?|chatgpt|claude(?:[\s-]+(?:\d[\d.]*|opus|sonnet|haiku|instant)){0,3}|gemini(?:[\s-]+(?:\d[\d.]*|pro|flash|ultra|nano|lite)){0,3}|gemma[\w.\-]*|llama[\s-]?[\d.]*[\w\-]*|mistral[\w.\-]*|mixtral[\w.\-]*|deepseek[\w.\-]*|qwen[\w.\-]*|grok[\w.\-]*|sim-[a-z0-9]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private static readonly string[] GenericWords = ["gpt", "chatgpt", "claude", "gemini", "llama", "mistral", "deepseek", "qwen", "grok", "gemma"];

    /// <summary>The model names an answer mentions, lower-cased.</summary>
    public static IReadOnlyList<string> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return NamePattern().Matches(text).Select(static m => m.Value.Trim().TrimEnd('.', '-').ToLowerInvariant()).Distinct().ToArray();
    }

    /// <summary>The first mentioned name that is another model than <paramref name="requested"/>, or null.</summary>
    public static string? OtherModel(string text, string requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        var slash = requested.LastIndexOf('/');
        var wanted = Compact(slash >= 0 ? requested[(slash + 1)..] : requested);
        foreach (var name in Find(text))
        {
            var named = Compact(name);
            if (named.Length == 0 || wanted.StartsWith(named, StringComparison.Ordinal) || named.StartsWith(wanted, StringComparison.Ordinal))
            {
                continue;
            }

            // "ChatGPT" or "GPT" for any OpenAI GPT model, "Claude" for any Claude model: the vendor word alone.
            if (GenericWords.Contains(named) && (wanted.StartsWith(named, StringComparison.Ordinal)
                || (named is "chatgpt" or "gpt" && (wanted.StartsWith("gpt", StringComparison.Ordinal) || wanted.StartsWith("chatgpt", StringComparison.Ordinal)))))
            {
                continue;
            }

            return name;
        }

        return null;
    }

    private static string Compact(string name) =>
        new([.. name.ToLowerInvariant().Where(char.IsLetterOrDigit)]);
}
