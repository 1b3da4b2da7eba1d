using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Warden.Server.Simulator;

/// <summary>
/// The natural-language tasks the simulator performs exactly, as a real model would, so that `warden audit` can probe
/// a relay with them (issue 21; the audit contract lists them): naming itself, recalling a code word planted in the
/// conversation, and counting. Each is recognised in the last user message.
/// </summary>
internal static partial class SimulatorTasks
{
    /// <summary>Counting never writes more than the advertised output limit; the usual max_tokens cut applies below it.</summary>
    private const int CountCharsLimit = SimulatorModels.MaxOutputTokens * SimulatorTokens.CharsPerToken;

    /// <summary>The facts a message's text states, in order.</summary>
    public static void FindFacts(string text, int turn, List<SimulatorFact> facts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(facts);
        if (text.Contains("code word", StringComparison.OrdinalIgnoreCase))
        {
            foreach (Match match in FactPattern().Matches(text))
            {
                facts.Add(new SimulatorFact(match.Groups["label"].Value, match.Groups["value"].Value, turn));
            }
        }
    }

    /// <summary>
    /// The answer to a task in <paramref name="lastUserText"/>, or null when it asks none. <paramref name="model"/> is the
    /// model that actually answers; <paramref name="facts"/> are the ones the model read.
    /// </summary>
    public static string? Answer(string lastUserText, string model, IEnumerable<SimulatorFact> facts)
    {
        ArgumentNullException.ThrowIfNull(lastUserText);
        if (QuestionPattern().Match(lastUserText) is { Success: true } question)
        {
            var label = question.Groups["label"].Value;
            var known = facts.LastOrDefault(fact => string.Equals(fact.Label, label, StringComparison.OrdinalIgnoreCase));
            return known is null
                ? $"I do not know the code word for {label}."
                : $"The code word for {label} is {known.Value}.";
        }

        if (CountPattern().Match(lastUserText) is { Success: true } count
            && int.TryParse(count.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1)
        {
            return Count(n);
        }

        return IdentityPattern().IsMatch(lastUserText) ? $"I am {model}, a simulated model." : null;
    }

    /// <summary>"1 2 3 … n", stopped once it is longer than any answer may be (the caller then cuts it with "length").</summary>
    private static string Count(int n)
    {
        var builder = new StringBuilder();
        for (var i = 1; i <= n && builder.Length <= CountCharsLimit; i++)
        {
            if (i > 1)
            {
                builder.Append(' ');
            }

            builder.Append(i.ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"\bThe code word for (?<label>[A-Za-z0-9-]+) is (?<value>[A-Za-z0-9-]+)\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FactPattern();

    [GeneratedRegex(@"\bWhat is the code word for (?<label>[A-Za-z0-9-]+)\?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuestionPattern();

    [GeneratedRegex(@"\bCount from 1 to (?<n>[0-9]{1,9})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CountPattern();

    [GeneratedRegex(@"\b(?:which|what) model are you\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IdentityPattern();
}
