namespace Warden.Server.Audit.Checks;

/// <summary>
/// Plain-English material for the checks' prompts: topics for open questions, and filler paragraphs that read like
/// ordinary notes (so a real model treats them as conversation, not as an attack), generated from a seeded generator.
/// </summary>
internal static class AuditCorpus
{
    public static IReadOnlyList<string> Topics { get; } =
    [
        "a lighthouse keeper", "a lost umbrella", "the first snow of winter", "a street market at dawn", "an old bicycle",
        "a robot learning to paint", "a city garden", "a train that is always late", "a letter never sent",
        "a cat who guards a library", "the smell of rain", "a forgotten song", "a fishing village", "a kite festival",
        "a broken clock", "a night bus", "a beekeeper", "a mountain hut", "a bakery before sunrise", "a paper boat",
    ];

    private static readonly string[] Subjects =
    [
        "The committee", "Our team", "The river", "A neighbour", "The morning train", "The old library", "Every visitor",
        "The gardener", "The new schedule", "A small bakery", "The weather report", "The museum", "The harbour",
        "The school choir", "A local farmer", "The city council",
    ];

    private static readonly string[] Verbs =
    [
        "discussed", "noticed", "prepared", "changed", "described", "repaired", "visited", "planned", "painted",
        "measured", "collected", "announced", "reviewed", "recorded", "shared", "organised",
    ];

    private static readonly string[] Objects =
    [
        "the spring timetable", "a list of quiet walks", "the budget for new benches", "several wooden boxes",
        "the lighting in the hall", "a map of the old town", "the results of the survey", "a basket of apples",
        "the route along the canal", "a set of blue chairs", "the opening hours", "the recipe for bread",
        "a report on the bridge", "the plans for the summer fair", "a collection of postcards", "the roof of the barn",
    ];

    private static readonly string[] Endings =
    [
        "before lunch", "after a long debate", "with great care", "on a rainy afternoon", "without any fuss",
        "for the third time this year", "as everyone expected", "late in the evening", "in a friendly way",
        "while the tea went cold", "at the end of the week", "with a little help",
    ];

    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ra", "ven", "tor", "sil", "dex", "an", "bru", "cel", "dor", "fin", "gal", "hex", "jun",
    ];

    /// <summary>One ordinary sentence.</summary>
    public static string Sentence(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return $"{Pick(random, Subjects)} {Pick(random, Verbs)} {Pick(random, Objects)} {Pick(random, Endings)}.";
    }

    /// <summary>Sentences appended until the paragraph has at least <paramref name="minChars"/> characters.</summary>
    public static string Paragraph(Random random, int minChars)
    {
        var builder = new System.Text.StringBuilder();
        while (builder.Length < minChars)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(Sentence(random));
        }

        return builder.ToString();
    }

    /// <summary>A made-up word (letters, digits, hyphen only), unlikely to appear by chance in any answer.</summary>
    public static string MadeUpWord(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return $"{Pick(random, Syllables)}{Pick(random, Syllables)}{Pick(random, Syllables)}{random.Next(100, 1000)}";
    }

    public static T Pick<T>(Random random, IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(items);
        return items[random.Next(items.Count)];
    }
}
