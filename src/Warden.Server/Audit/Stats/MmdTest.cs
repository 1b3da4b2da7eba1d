namespace Warden.Server.Audit.Stats;

/// <summary>One sampled completion for the two-sample test: the prompt it answers (its stratum) and its text.</summary>
internal readonly record struct MmdSample(int Prompt, string Text);

/// <summary>The MMD² statistic, its permutation p-value, and the permutation distribution's mean for reports.</summary>
internal sealed record MmdResult(double Statistic, double PValue, int Permutations, double NullMean);

/// <summary>
/// The two-sample test of Model Equality Testing (Gao, Liang and Guestrin, 2024): the maximum mean discrepancy between
/// the distributions of (prompt, completion) pairs from two endpoints, with a kernel that is zero across prompts and a
/// string kernel within one, and a p-value from permutations of the endpoint labels within each prompt. The paper's
/// kernel is the Hamming similarity of the first L tokens; we use it on the first <see cref="HammingLength"/>
/// characters and add a word-spectrum kernel (cosine of lower-cased word counts), because a substituted model changes
/// its vocabulary as much as its word order. Both kernels are positive definite, so their sum is; the permutation
/// p-value is valid whatever the kernel, since under the null the labels are exchangeable within a prompt.
/// </summary>
internal static class MmdTest
{
    public const int HammingLength = 100;

    public static MmdResult Run(IReadOnlyList<MmdSample> first, IReadOnlyList<MmdSample> second, int permutations, Random random)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(random);
        var all = first.Concat(second).ToArray();
        var n = all.Length;
        var kernel = KernelMatrix(all);
        var labels = new bool[n];
        for (var i = 0; i < first.Count; i++)
        {
            labels[i] = true;
        }

        var observed = Statistic(kernel, labels, first.Count, second.Count);

        // Indices grouped by prompt, for shuffling labels within each prompt only.
        var strata = Enumerable.Range(0, n).GroupBy(i => all[i].Prompt).Select(static g => g.ToArray()).ToArray();
        var atLeast = 0;
        var nullSum = 0.0;
        var shuffled = new bool[n];
        for (var b = 0; b < permutations; b++)
        {
            foreach (var stratum in strata)
            {
                var stratumLabels = stratum.Select(i => labels[i]).ToArray();
                random.Shuffle(stratumLabels);
                for (var j = 0; j < stratum.Length; j++)
                {
                    shuffled[stratum[j]] = stratumLabels[j];
                }
            }

            var value = Statistic(kernel, shuffled, first.Count, second.Count);
            nullSum += value;
            if (value >= observed - 1e-12)
            {
                atLeast++;
            }
        }

        return new MmdResult(observed, (1.0 + atLeast) / (permutations + 1.0), permutations, permutations == 0 ? 0 : nullSum / permutations);
    }

    /// <summary>The unbiased MMD² estimate: within-sample means without the diagonal, minus twice the cross mean.</summary>
    private static double Statistic(double[,] kernel, bool[] labels, int countFirst, int countSecond)
    {
        double xx = 0, yy = 0, xy = 0;
        var n = labels.Length;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var k = kernel[i, j];
                if (k == 0)
                {
                    continue;
                }

                if (labels[i] && labels[j])
                {
                    xx += k;
                }
                else if (!labels[i] && !labels[j])
                {
                    yy += k;
                }
                else
                {
                    xy += k;
                }
            }
        }

        var pairsX = countFirst * (countFirst - 1) / 2.0;
        var pairsY = countSecond * (countSecond - 1) / 2.0;
        return (pairsX > 0 ? xx / pairsX : 0) + (pairsY > 0 ? yy / pairsY : 0) - (2 * xy / ((double)countFirst * countSecond));
    }

    private static double[,] KernelMatrix(MmdSample[] samples)
    {
        var n = samples.Length;
        var words = samples.Select(static s => WordVector(s.Text)).ToArray();
        var kernel = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (samples[i].Prompt != samples[j].Prompt)
                {
                    continue;
                }

                var value = Hamming(samples[i].Text, samples[j].Text) + Cosine(words[i], words[j]);
                kernel[i, j] = value;
                kernel[j, i] = value;
            }
        }

        return kernel;
    }

    /// <summary>The share of the first L positions where both texts have the same character (past the end counts as a padding character).</summary>
    public static double Hamming(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var same = 0;
        for (var i = 0; i < HammingLength; i++)
        {
            var x = i < a.Length ? a[i] : '\0';
            var y = i < b.Length ? b[i] : '\0';
            if (x == y)
            {
                same++;
            }
        }

        return (double)same / HammingLength;
    }

    private static Dictionary<string, double> WordVector(string text)
    {
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var word in text.ToLowerInvariant().Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        var norm = Math.Sqrt(counts.Values.Sum(static c => c * c));
        if (norm > 0)
        {
            foreach (var key in counts.Keys.ToArray())
            {
                counts[key] /= norm;
            }
        }

        return counts;
    }

    private static double Cosine(Dictionary<string, double> a, Dictionary<string, double> b)
    {
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var sum = 0.0;
        foreach (var (word, value) in small)
        {
            if (large.TryGetValue(word, out var other))
            {
                sum += value * other;
            }
        }

        return sum;
    }

    private static readonly char[] Separators = [' ', '\n', '\r', '\t', '.', ',', ';', ':', '!', '?', '"', '(', ')'];
}
