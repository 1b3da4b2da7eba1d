namespace Warden.Server.Simulator;

/// <summary>
/// How one simulated model writes: its own vocabulary over a shared core, a Zipf frequency law over its own ranking of
/// those words, its answer and sentence lengths and its punctuation. The models differ the way real ones do (issue 21:
/// a substitution must be found by the statistics a real audit uses), and no answer names its model.
/// </summary>
internal sealed class SimulatorModelStyle
{
    // Words every model uses (function words and common nouns), ranked differently by each model.
    private static readonly string[] Shared =
    [
        "the", "a", "of", "and", "to", "in", "is", "it", "that", "for", "on", "with", "as", "this", "be", "are",
        "by", "from", "at", "or", "can", "will", "more", "some", "each", "when", "then", "also", "there", "which",
        "one", "two", "all", "your", "we", "you", "they", "not", "but", "if", "into", "about", "over", "after",
        "before", "while", "most", "many", "other", "these", "those", "would", "could", "should", "may", "just",
        "very", "well", "here", "now", "only", "even", "still", "both", "such", "new", "good", "long", "way",
        "time", "part", "place", "work", "point", "idea", "plan", "view", "kind", "thing", "result", "answer",
        "question", "fact", "detail", "example", "reason", "change", "value", "order", "word", "line", "side", "end",
        "start", "apple", "bright", "river", "stone", "cloud", "garden", "quiet", "window", "paper", "simple",
        "green", "music", "light", "water", "morning", "little", "forest", "mountain", "ocean", "letter", "table",
        "summer", "winter", "today", "gentle", "market", "bridge", "harbor", "island", "journey", "kitchen",
        "meadow", "orchard", "valley", "copper", "engine", "planet",
    ];

    private static readonly string[] SmallWords =
    [
        "yes", "sure", "okay", "fine", "nice", "easy", "quick", "big", "small", "bit", "lot", "get", "got", "make",
        "use", "try", "see", "look", "go", "put", "keep", "let", "help", "best", "sort", "stuff", "pretty", "really",
        "basically", "simply", "anyway", "yeah", "cool", "handy", "neat", "plain", "short", "tip", "fun", "great",
    ];

    private static readonly string[] LargeWords =
    [
        "comprehensive", "nuanced", "furthermore", "considerable", "perspective", "particularly", "additionally",
        "consequently", "substantial", "framework", "approach", "context", "significant", "various", "ultimately",
        "essentially", "notably", "moreover", "perhaps", "broader", "underlying", "approximately", "thorough",
        "distinct", "relevant", "appropriate", "specific", "potential", "overall", "primarily", "generally",
        "typically", "effectively", "consideration", "implications", "aspects", "factors", "landscape", "foundation",
        "meaningful",
    ];

    private static readonly string[] ReasonerWords =
    [
        "therefore", "consider", "hence", "assume", "verify", "conclude", "thus", "suppose", "check", "compute",
        "derive", "given", "since", "because", "implies", "follows", "condition", "premise", "evaluate", "estimate",
        "compare", "confirm", "infer", "deduce", "observe", "note", "clearly", "indeed", "second", "third",
        "finally", "recall", "wait", "step", "apply", "case", "so", "first", "means", "holds",
    ];

    private static readonly SimulatorModelStyle SmallStyle = new(SimulatorModels.Small, SmallWords, exponent: 1.15, minWords: 8, maxWords: 20, minSentence: 4, maxSentence: 8, comma: 0.0, semicolon: 0.0, exclamation: 0.35);
    private static readonly SimulatorModelStyle LargeStyle = new(SimulatorModels.Large, LargeWords, exponent: 0.85, minWords: 20, maxWords: 40, minSentence: 10, maxSentence: 18, comma: 0.10, semicolon: 0.03, exclamation: 0.0);
    private static readonly SimulatorModelStyle ReasonerStyle = new(SimulatorModels.Reasoner, ReasonerWords, exponent: 1.0, minWords: 12, maxWords: 32, minSentence: 6, maxSentence: 12, comma: 0.05, semicolon: 0.0, exclamation: 0.0);

    private readonly string[] _ranked;
    private readonly double[] _cumulative;

    private SimulatorModelStyle(
        string model,
        string[] own,
        double exponent,
        int minWords,
        int maxWords,
        int minSentence,
        int maxSentence,
        double comma,
        double semicolon,
        double exclamation)
    {
        Model = model;
        MinWords = minWords;
        MaxWords = maxWords;
        MinSentence = minSentence;
        MaxSentence = maxSentence;
        Comma = comma;
        Semicolon = semicolon;
        Exclamation = exclamation;

        // Each model ranks the shared and its own words in its own order (a fixed shuffle seeded by its name).
        _ranked = [.. Shared.Concat(own).Distinct(StringComparer.Ordinal)];
        var shuffle = new SimulatorSeed("style\n" + model);
        for (var i = _ranked.Length - 1; i > 0; i--)
        {
            var j = shuffle.Next(i + 1);
            (_ranked[i], _ranked[j]) = (_ranked[j], _ranked[i]);
        }

        _cumulative = new double[_ranked.Length];
        var total = 0.0;
        for (var rank = 0; rank < _ranked.Length; rank++)
        {
            total += 1.0 / Math.Pow(rank + 2, exponent);
            _cumulative[rank] = total;
        }
    }

    public string Model { get; }

    public int MinWords { get; }

    public int MaxWords { get; }

    public int MinSentence { get; }

    public int MaxSentence { get; }

    /// <summary>Chance of a comma after a word inside a sentence.</summary>
    public double Comma { get; }

    /// <summary>Chance of a semicolon after a word inside a sentence.</summary>
    public double Semicolon { get; }

    /// <summary>Chance that a sentence ends with "!" instead of ".".</summary>
    public double Exclamation { get; }

    /// <summary>The style of <paramref name="model"/>; an unknown name writes like sim-small.</summary>
    public static SimulatorModelStyle For(string model) => model switch
    {
        SimulatorModels.Large => LargeStyle,
        SimulatorModels.Reasoner => ReasonerStyle,
        _ => SmallStyle,
    };

    /// <summary>One word drawn from the model's frequency law.</summary>
    public string Draw(ref SimulatorSeed seed)
    {
        var target = seed.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        index = index < 0 ? ~index : index;
        return _ranked[Math.Min(index, _ranked.Length - 1)];
    }
}
