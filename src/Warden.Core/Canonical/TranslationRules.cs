using System.Collections.Frozen;
using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// The one table of dialect-specific fields that may be left out when a request is translated to another dialect,
/// each with the reason it changes nothing the client relies on. Any extension not in this table is refused with a
/// 400 that names it: nothing is dropped silently. Each dialect declares its own part (in its folder under
/// Dialects/); docs/translation.md prints the whole table.
/// </summary>
public static partial class TranslationRules
{
    private static readonly FrozenDictionary<string, string> Reasons =
        OpenAIChatLeftOut.Concat(AnthropicLeftOut).Concat(ResponsesLeftOut).Concat(GeminiLeftOut)
            .ToFrozenDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Every rule, "dialect.field" → why leaving it out is safe.</summary>
    public static IReadOnlyDictionary<string, string> All => Reasons;

    /// <summary>Fields of OpenAI Chat requests that may be left out when translating, with reasons.</summary>
    private static partial IReadOnlyDictionary<string, string> OpenAIChatLeftOut { get; }

    /// <summary>Fields of Anthropic requests that may be left out when translating, with reasons.</summary>
    private static partial IReadOnlyDictionary<string, string> AnthropicLeftOut { get; }

    /// <summary>Fields of Responses requests that may be left out when translating, with reasons.</summary>
    private static partial IReadOnlyDictionary<string, string> ResponsesLeftOut { get; }

    /// <summary>Fields of Gemini requests that may be left out when translating, with reasons.</summary>
    private static partial IReadOnlyDictionary<string, string> GeminiLeftOut { get; }

    /// <summary>Why <paramref name="key"/> ("dialect.field") may be left out, or null when it must not be.</summary>
    public static string? LeftOutReason(string key) => Reasons.GetValueOrDefault(key);

    /// <summary>
    /// Checks extensions (top-level, message or block) against the table for a request going to
    /// <paramref name="target"/>: entries of the target's own dialect are the encoder's to write; others are
    /// recorded in <paramref name="changes"/> as "left_out:key" when the table allows, else the first one is
    /// returned as the field to refuse.
    /// </summary>
    public static string? Check(IReadOnlyDictionary<string, JsonElement>? extensions, WireDialectName target, ICollection<string> changes)
    {
        if (extensions is null)
        {
            return null;
        }

        string own = Prefix(target);
        foreach (var key in extensions.Keys)
        {
            if (key.StartsWith(own, StringComparison.Ordinal))
            {
                continue;
            }

            if (!Reasons.ContainsKey(key))
            {
                return key;
            }

            string change = "left_out:" + key;
            if (!changes.Contains(change))
            {
                changes.Add(change);
            }
        }

        return null;
    }

    /// <summary>The key prefix of a dialect's extensions: "openai_chat.", "anthropic.", "responses.", "gemini.".</summary>
    public static string Prefix(WireDialectName dialect) => Dialects.WireDialects.For(dialect).Label + ".";
}
