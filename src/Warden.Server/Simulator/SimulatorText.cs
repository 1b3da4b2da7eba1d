using System.Text;

namespace Warden.Server.Simulator;

/// <summary>Deterministic prose: the same seed text always yields byte-identical output.</summary>
internal static class SimulatorText
{
    public const string AnswerPrefix = "Simulated";
    public const string ReasoningPrefix = "Simulated reasoning:";
    public const int MinWords = 8;
    public const int MaxWords = 40;

    private static readonly string[] Vocabulary =
    [
        "apple", "bright", "river", "stone", "cloud", "garden", "quiet", "window",
        "paper", "simple", "green", "music", "light", "water", "morning", "little",
        "friendly", "yellow", "orange", "forest", "mountain", "ocean", "letter", "number",
        "table", "chair", "summer", "winter", "yesterday", "today", "careful", "gentle",
        "happy", "market", "bridge", "candle", "harbor", "island", "journey", "kitchen",
        "ladder", "meadow", "needle", "orchard", "pencil", "question", "rabbit", "silver",
        "thunder", "valley", "wagon", "basket", "copper", "dinner", "engine", "feather",
        "guitar", "honey", "jacket", "planet",
    ];

    /// <summary>"Simulated" followed by 8–40 words in total and a full stop.</summary>
    public static string Answer(string seedText)
    {
        var seed = new SimulatorSeed(seedText);
        var words = MinWords + seed.Next(MaxWords - MinWords + 1);
        var builder = new StringBuilder(AnswerPrefix, words * 9);
        for (var i = 1; i < words; i++)
        {
            builder.Append(' ').Append(Vocabulary[seed.Next(Vocabulary.Length)]);
        }

        return builder.Append('.').ToString();
    }

    /// <summary>Reasoning prose of at least <paramref name="minTokens"/> tokens, seeded separately from the answer.</summary>
    public static string Reasoning(string seedText, int minTokens)
    {
        var seed = new SimulatorSeed("reasoning\n" + seedText);
        var minChars = minTokens * SimulatorTokens.CharsPerToken;
        var builder = new StringBuilder(ReasoningPrefix, minChars + 16);
        while (builder.Length < minChars)
        {
            builder.Append(' ').Append(Vocabulary[seed.Next(Vocabulary.Length)]);
        }

        return builder.Append('.').ToString();
    }

    /// <summary>Exactly <paramref name="length"/> characters of words, for the huge-N fault.</summary>
    public static string Filler(string seedText, int length)
    {
        var seed = new SimulatorSeed("huge\n" + seedText);
        var builder = new StringBuilder(AnswerPrefix, length + 16);
        while (builder.Length < length)
        {
            builder.Append(' ').Append(Vocabulary[seed.Next(Vocabulary.Length)]);
        }

        builder.Length = length;
        return builder.ToString();
    }

    /// <summary>A vocabulary word chosen by the seed text, for generated tool arguments.</summary>
    public static string Word(string seedText) => Vocabulary[new SimulatorSeed(seedText).Next(Vocabulary.Length)];

    /// <summary>Cuts text so it counts at most <paramref name="maxTokens"/> tokens, preferring a word boundary.</summary>
    public static string Truncate(string text, int maxTokens)
    {
        var maxChars = maxTokens * SimulatorTokens.CharsPerToken;
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', maxChars);
        return cut > 0 ? text[..cut] : text[..maxChars];
    }

    /// <summary>Splits [0, length) into pieces of about <paramref name="size"/> characters without splitting a surrogate pair.</summary>
    public static void Split(string text, int size, List<Range> pieces)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(start + size, text.Length);
            if (end < text.Length && char.IsHighSurrogate(text[end - 1]))
            {
                end++;
            }

            pieces.Add(start..end);
            start = end;
        }
    }
}
