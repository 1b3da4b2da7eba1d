using Warden.Server.Simulator;

namespace Warden.Server.Tests.Simulator;

/// <summary>
/// Issue 21: the simulated models write differently enough that a two-sample test over answer texts tells them apart
/// (as for real models), while two batches of one model look alike and no answer names its model.
/// </summary>
public sealed class SimulatorModelStyleTests(SeededSimulatorFixture fixture) : IClassFixture<SeededSimulatorFixture>
{
    private const int Samples = 60;
    private const int Permutations = 400;

    [Fact]
    public async Task SampledAnswers_SmallAndLarge_DifferInLengthAndWordFrequencies()
    {
        var small = await SampleAsync("sim-small", "chat");
        var large = await SampleAsync("sim-large", "anthropic");

        var smallWords = small.Average(WordCount);
        var largeWords = large.Average(WordCount);
        Assert.True(largeWords > 1.5 * smallWords, $"mean words: small {smallWords}, large {largeWords}");
        Assert.True(Vocabulary(large).Except(Vocabulary(small)).Any(), "sim-large uses no word sim-small never uses");

        var p = PermutationPValue(small, large);
        Assert.True(p <= 0.01, $"word-frequency two-sample test p = {p}");
    }

    [Fact]
    public async Task SampledAnswers_ReasonerAndLarge_DifferInWordFrequencies()
    {
        var reasoner = await SampleAsync("sim-reasoner", "chat");
        var large = await SampleAsync("sim-large", "chat");
        var p = PermutationPValue(reasoner, large);
        Assert.True(p <= 0.01, $"word-frequency two-sample test p = {p}");
    }

    [Fact]
    public async Task SampledAnswers_TwoBatchesOfOneModel_AreNotTold_Apart()
    {
        var first = await SampleAsync("sim-large", "responses");
        var second = await SampleAsync("sim-large", "gemini");
        var p = PermutationPValue(first, second);
        Assert.True(p > 0.05, $"word-frequency two-sample test p = {p}");
    }

    [Fact]
    public async Task SampledAnswers_NeverNameTheirModel()
    {
        foreach (var model in SimulatorModels.Names)
        {
            foreach (var text in await SampleAsync(model, "chat", count: 20))
            {
                Assert.DoesNotContain("sim-", text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    private async Task<List<string>> SampleAsync(string model, string dialect, int count = Samples)
    {
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            // A fixed prompt set, as an audit would send to both endpoints.
            var prompt = SimulatorProbe.Ask($"Describe topic number {i % 10} in a few sentences.");
            texts.Add((await SimulatorProbe.AskAsync(fixture.Client, dialect, model, stream: false, prompt, temperature: 1)).Text);
        }

        return texts;
    }

    private static int WordCount(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    private static string[] Words(string text) =>
        text.ToLowerInvariant().Split([' ', '.', ',', ';', '!'], StringSplitOptions.RemoveEmptyEntries);

    private static HashSet<string> Vocabulary(IEnumerable<string> texts) => [.. texts.SelectMany(Words)];

    /// <summary>
    /// A permutation test of "same distribution" with the total-variation distance between the two batches' pooled word
    /// frequencies as the statistic; the permutations come from a fixed seed so the test is reproducible.
    /// </summary>
    private static double PermutationPValue(List<string> a, List<string> b)
    {
        var bags = a.Concat(b).Select(Words).ToArray();
        var observed = Distance(bags, Enumerable.Range(0, bags.Length).Select(i => i < a.Count).ToArray());
        var labels = Enumerable.Range(0, bags.Length).Select(i => i < a.Count).ToArray();
        var seed = new SimulatorSeed("permutations");
        var atLeast = 0;
        for (var round = 0; round < Permutations; round++)
        {
            for (var i = labels.Length - 1; i > 0; i--)
            {
                var j = seed.Next(i + 1);
                (labels[i], labels[j]) = (labels[j], labels[i]);
            }

            if (Distance(bags, labels) >= observed)
            {
                atLeast++;
            }
        }

        return (atLeast + 1.0) / (Permutations + 1.0);
    }

    private static double Distance(string[][] bags, bool[] inFirst)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var second = new Dictionary<string, int>(StringComparer.Ordinal);
        int firstTotal = 0, secondTotal = 0;
        for (var i = 0; i < bags.Length; i++)
        {
            var counts = inFirst[i] ? first : second;
            foreach (var word in bags[i])
            {
                counts[word] = counts.GetValueOrDefault(word) + 1;
            }

            if (inFirst[i])
            {
                firstTotal += bags[i].Length;
            }
            else
            {
                secondTotal += bags[i].Length;
            }
        }

        var distance = 0.0;
        foreach (var word in first.Keys.Union(second.Keys))
        {
            distance += Math.Abs((first.GetValueOrDefault(word) / (double)firstTotal) - (second.GetValueOrDefault(word) / (double)secondTotal));
        }

        return distance / 2;
    }
}
