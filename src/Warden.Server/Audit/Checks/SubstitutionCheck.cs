using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// Is the endpoint serving the model it names? With a reference endpoint: the Model Equality Testing two-sample test
/// (MMD over sampled completions at temperature 1 on a fixed prompt set, permutation p-value). Without one, three
/// fingerprints, Bonferroni-corrected: the declared identity (a binomial test that answers name another known model in
/// more than half the samples), the tokenizer family revealed by reported usage on crafted inputs (a sign test that
/// another family fits the counts better than the requested model's), and streamed against complete answers (the same
/// MMD test between the two modes).
/// </summary>
internal sealed class SubstitutionCheck : IAuditCheck
{
    /// <summary>Permutations for the MMD p-value: enough that 1/(B+1) is far below any alpha in use.</summary>
    public const int Permutations = 1000;

    /// <summary>Under honest service, at most this share of identity answers may name another model (models do misname themselves).</summary>
    public const double IdentityNullShare = 0.5;

    private const int SamplesPerPrompt = 10;
    private const int IdentitySamples = 20;
    private const int StreamSamplesPerPrompt = 5;
    private const int StreamPrompts = 4;

    private static readonly string[] OpenPrompts =
    [
        "Write two sentences about {0}.",
        "Describe {0} in a short paragraph.",
        "Tell a very short story about {0}.",
        "Give three words that describe {0}, then explain your choice in one sentence.",
        "Write a four-line poem about {0}.",
        "What would you like to know about {0}? Ask two questions.",
        "Explain to a child what makes {0} interesting.",
        "Write a short diary entry about {0}.",
    ];

    private static readonly string[] IdentityPrompts =
    [
        "Which model are you? Please name your exact model.",
        "What model are you? Answer in one sentence.",
        "Which model are you, exactly?",
        "What model are you, and who made you?",
    ];

    /// <summary>Inputs whose counts differ between tokenizer families: code, digits, whitespace runs, accents, symbols.</summary>
    private static readonly string[] CraftedInputs =
    [
        "Repeat nothing; just answer OK. 1234567890 9876543210 3141592653",
        "Answer OK. def f(x):\n        return {'key': [x, x ** 2, x // 3]}\n",
        "Answer OK. Größe, Straße, Übermäßig, Ærøskøbing, Ångström, naïve café",
        "Answer OK.                                                  (many spaces)",
        "Answer OK. ////////////////////////////////////////////////////////////",
        "Answer OK. 日本語のテキストを少し書きます。これはテストです。",
        "Answer OK. Привет, как дела? Это короткий тест токенизатора.",
        "Answer OK. 😀😃😄😁😆😅😂🤣 🙂🙃😉😊😇",
        "Answer OK. <html><body><div class=\"x\">&nbsp;&amp;&lt;&gt;</div></body></html>",
        "Answer OK. SELECT id, name FROM users WHERE created_at >= '2024-01-01' ORDER BY 2;",
        "Answer OK. 0x7fffffff 0xdeadbeef 0b101010 1e-10 3.14159e+00",
        "Answer OK. αβγδεζηθικλμνξοπρστυφχψω ΑΒΓΔΕΖΗΘ",
    ];

    public string Id => AuditCheckIds.Substitution;

    public string Title => "Model substitution";

    public int DefaultRequests => 160;

    public Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Reference is null ? RunFingerprintsAsync(context, cancellationToken) : RunWithReferenceAsync(context, context.Reference, cancellationToken);
    }

    private static async Task<AuditCheckResult> RunWithReferenceAsync(AuditContext context, IAuditTarget reference, CancellationToken cancellationToken)
    {
        var budget = new CheckBudget(context);
        var perPrompt = Math.Min(SamplesPerPrompt, context.RequestBudget / (2 * OpenPrompts.Length));
        if (perPrompt < 3)
        {
            return Inconclusive(budget, $"a budget of {context.RequestBudget} requests is too small for the two-sample test (needs {6 * OpenPrompts.Length})");
        }

        var topics = OpenPrompts.Select(_ => AuditCorpus.Pick(context.Random, AuditCorpus.Topics)).ToArray();
        var target = new List<MmdSample>();
        var referenceSamples = new List<MmdSample>();
        for (var s = 0; s < perPrompt; s++)
        {
            for (var p = 0; p < OpenPrompts.Length; p++)
            {
                var prompt = Sampled(string.Format(System.Globalization.CultureInfo.InvariantCulture, OpenPrompts[p], topics[p]), stream: false);
                var a = await budget.SendAsync(context.Target, prompt, cancellationToken);
                var b = await budget.SendAsync(reference, prompt, cancellationToken);
                if (a is { Succeeded: true })
                {
                    target.Add(new MmdSample(p, a.Text));
                }

                if (b is { Succeeded: true })
                {
                    referenceSamples.Add(new MmdSample(p, b.Text));
                }
            }
        }

        var planned = perPrompt * OpenPrompts.Length;
        if (target.Count < planned / 2 || referenceSamples.Count < planned / 2)
        {
            return Inconclusive(budget, $"too few answers: {target.Count} from the target and {referenceSamples.Count} from the reference of {planned} each");
        }

        return budget.Spent(EvaluateReference(target, referenceSamples, context.Settings.Alpha, context.Random));
    }

    /// <summary>The decision with a reference: reject equal distributions when the MMD permutation p-value is below alpha.</summary>
    internal static AuditCheckResult EvaluateReference(IReadOnlyList<MmdSample> target, IReadOnlyList<MmdSample> reference, double alpha, Random random)
    {
        var mmd = MmdTest.Run(target, reference, Permutations, random);
        var fail = mmd.PValue < alpha;
        var chart = new AuditChart(
            "Answer length in words, target and reference", AuditChartKind.Histogram, "words", "answers",
            [LengthHistogram("target", target), LengthHistogram("reference", reference)]);
        return new AuditCheckResult
        {
            Id = AuditCheckIds.Substitution,
            Title = "Model substitution",
            Verdict = fail ? AuditVerdict.Fail : AuditVerdict.Pass,
            Summary = fail
                ? $"the target's answers are distributed differently from the reference's (MMD permutation test, p = {mmd.PValue:G3} < {alpha})"
                : $"no difference between the target's and the reference's answers (MMD permutation test, p = {mmd.PValue:G3})",
            PValue = mmd.PValue,
            EffectName = "MMD²",
            Effect = mmd.Statistic,
            Findings = fail ? [$"MMD² = {mmd.Statistic:G4} against a permutation mean of {mmd.NullMean:G4} over {target.Count} target and {reference.Count} reference answers"] : [],
            Charts = [chart],
        };
    }

    private static async Task<AuditCheckResult> RunFingerprintsAsync(AuditContext context, CancellationToken cancellationToken)
    {
        var budget = new CheckBudget(context);
        var model = context.Target.Model;
        var family = TokenCounter.FamilyOf(model);

        // Shares of the budget: identity first (the strongest evidence), then the tokenizer, then streaming.
        var identityCount = Math.Min(IdentitySamples, context.RequestBudget / 3);
        var identityAnswers = new List<string>();
        for (var i = 0; i < identityCount; i++)
        {
            var reply = await budget.SendAsync(context.Target, new AuditPrompt
            {
                Messages = [AuditMessage.User(IdentityPrompts[i % IdentityPrompts.Length])],
                Temperature = 1,
                MaxTokens = 80,
            }, cancellationToken);
            if (reply is { Succeeded: true })
            {
                identityAnswers.Add(reply.Text);
            }
        }

        var tokenizerSamples = new List<(IReadOnlyList<AuditMessage> Messages, long Reported)>();
        if (family != TokenizerFamily.None)
        {
            var count = Math.Min(CraftedInputs.Length, budget.Remaining / 3);
            for (var i = 0; i < count; i++)
            {
                IReadOnlyList<AuditMessage> messages = [AuditMessage.User(CraftedInputs[i])];
                var reply = await budget.SendAsync(context.Target, new AuditPrompt { Messages = messages, MaxTokens = 16 }, cancellationToken);
                if (reply is { Succeeded: true, InputTokens: long reported })
                {
                    tokenizerSamples.Add((messages, reported));
                }
            }
        }

        var streamed = new List<MmdSample>();
        var complete = new List<MmdSample>();
        var perPrompt = Math.Min(StreamSamplesPerPrompt, budget.Remaining / (2 * StreamPrompts));
        if (perPrompt >= 3)
        {
            var texts = Enumerable.Range(0, StreamPrompts)
                .Select(p => string.Format(System.Globalization.CultureInfo.InvariantCulture, OpenPrompts[p], AuditCorpus.Pick(context.Random, AuditCorpus.Topics)))
                .ToArray();
            for (var s = 0; s < perPrompt; s++)
            {
                for (var p = 0; p < StreamPrompts; p++)
                {
                    var a = await budget.SendAsync(context.Target, Sampled(texts[p], stream: true), cancellationToken);
                    var b = await budget.SendAsync(context.Target, Sampled(texts[p], stream: false), cancellationToken);
                    if (a is { Succeeded: true })
                    {
                        streamed.Add(new MmdSample(p, a.Text));
                    }

                    if (b is { Succeeded: true })
                    {
                        complete.Add(new MmdSample(p, b.Text));
                    }
                }
            }
        }

        return budget.Spent(EvaluateFingerprints(model, family, identityAnswers, tokenizerSamples, streamed, complete, context.Settings.Alpha, context.Random));
    }

    /// <summary>
    /// The decision without a reference. Each fingerprint that had enough data is one test; each is held to alpha / m
    /// (Bonferroni over the m tests run), so the check's false-alarm rate stays at most alpha.
    /// </summary>
    internal static AuditCheckResult EvaluateFingerprints(
        string model,
        TokenizerFamily family,
        IReadOnlyList<string> identityAnswers,
        IReadOnlyList<(IReadOnlyList<AuditMessage> Messages, long Reported)> tokenizerSamples,
        IReadOnlyList<MmdSample> streamed,
        IReadOnlyList<MmdSample> complete,
        double alpha,
        Random random)
    {
        var tests = new List<(string Name, double PValue, string Finding)>();
        var findings = new List<string>();
        double? otherShare = null;

        if (identityAnswers.Count >= 5)
        {
            var others = identityAnswers.Select(a => ModelNames.OtherModel(a, model)).Where(static n => n is not null).Select(static n => n!).ToArray();
            otherShare = (double)others.Length / identityAnswers.Count;
            var p = BinomialTest.UpperTail(others.Length, identityAnswers.Count, IdentityNullShare);
            var named = string.Join(", ", others.GroupBy(static n => n, StringComparer.Ordinal).OrderByDescending(static g => g.Count()).Select(static g => $"{g.Key} ({g.Count()})"));
            tests.Add(("declared identity", p, $"{others.Length} of {identityAnswers.Count} answers to \"which model are you\" named another model than {model}{(others.Length > 0 ? ": " + named : "")}"));
        }

        if (family != TokenizerFamily.None && tokenizerSamples.Count >= 6)
        {
            var (better, p, finding) = TokenizerSignTest(family, tokenizerSamples);
            if (better is not null)
            {
                tests.Add(("tokenizer family", p, finding));
            }
        }

        AuditChart? chart = null;
        if (streamed.Count >= 6 && complete.Count >= 6)
        {
            var mmd = MmdTest.Run(streamed, complete, Permutations, random);
            tests.Add(("streamed vs complete", mmd.PValue, $"streamed and complete answers to the same prompts: MMD² = {mmd.Statistic:G4} (permutation mean {mmd.NullMean:G4})"));
            chart = new AuditChart("Answer length in words, streamed and complete", AuditChartKind.Histogram, "words", "answers",
                [LengthHistogram("streamed", streamed), LengthHistogram("complete", complete)]);
        }

        if (tests.Count == 0)
        {
            return new AuditCheckResult
            {
                Id = AuditCheckIds.Substitution,
                Title = "Model substitution",
                Verdict = AuditVerdict.Inconclusive,
                Summary = "no fingerprint had enough answers to test (give a reference endpoint for the two-sample test)",
            };
        }

        var level = alpha / tests.Count;
        var significant = tests.Where(t => t.PValue < level).ToArray();
        foreach (var test in tests)
        {
            findings.Add($"{test.Name}: p = {test.PValue:G3}{(test.PValue < level ? $" < {level:G3}" : "")}; {test.Finding}");
        }

        var adjusted = Math.Min(1, tests.Min(static t => t.PValue) * tests.Count);
        return new AuditCheckResult
        {
            Id = AuditCheckIds.Substitution,
            Title = "Model substitution",
            Verdict = significant.Length > 0 ? AuditVerdict.Fail : AuditVerdict.Pass,
            Summary = significant.Length > 0
                ? $"fingerprints point to another model than {model}: {string.Join(", ", significant.Select(static t => t.Name))} (Bonferroni-adjusted p = {adjusted:G3}; no reference given)"
                : $"no fingerprint points to another model ({tests.Count} tests, smallest adjusted p = {adjusted:G3}; no reference given)",
            PValue = adjusted,
            EffectName = otherShare is null ? null : "share of identity answers naming another model",
            Effect = otherShare,
            Findings = findings,
            Charts = chart is null ? [] : [chart],
        };
    }

    /// <summary>
    /// For each crafted input, the residual of the requested family's count after a constant overhead (the median
    /// difference) against the residual of the best-fitting other family. Under the requested family the residuals are
    /// zero, so no input can favour another family; the sign test counts inputs where the other family fits strictly
    /// better against those where it fits strictly worse (ties dropped): p = P(Binomial(n, 1/2) ≥ wins).
    /// </summary>
    internal static (TokenizerFamily? Better, double PValue, string Finding) TokenizerSignTest(
        TokenizerFamily family, IReadOnlyList<(IReadOnlyList<AuditMessage> Messages, long Reported)> samples)
    {
        double[] Residuals(TokenizerFamily f)
        {
            var differences = samples.Select(s => (double)(s.Reported - TokenCounter.CountPrompt(f, s.Messages))).ToArray();
            var overhead = Median(differences);
            return differences.Select(d => Math.Abs(d - overhead)).ToArray();
        }

        var own = Residuals(family);
        TokenizerFamily? best = null;
        double[]? bestResiduals = null;
        foreach (var other in TokenCounter.Known.Where(f => f != family))
        {
            var residuals = Residuals(other);
            if (bestResiduals is null || residuals.Sum() < bestResiduals.Sum())
            {
                best = other;
                bestResiduals = residuals;
            }
        }

        if (best is null || bestResiduals is null)
        {
            return (null, 1, "");
        }

        var wins = 0;
        var losses = 0;
        for (var i = 0; i < own.Length; i++)
        {
            if (bestResiduals[i] < own[i])
            {
                wins++;
            }
            else if (bestResiduals[i] > own[i])
            {
                losses++;
            }
        }

        var p = wins + losses == 0 ? 1 : BinomialTest.UpperTail(wins, wins + losses, 0.5);
        return (best, p, $"reported input tokens on {samples.Count} crafted inputs: {TokenCounter.Name(best.Value)} fits better than {TokenCounter.Name(family)} on {wins}, worse on {losses}");
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static AuditPrompt Sampled(string text, bool stream) => new()
    {
        Messages = [AuditMessage.User(text)],
        Temperature = 1,
        MaxTokens = 160,
        Stream = stream,
    };

    /// <summary>Answer lengths in words, in bins of ten words, for the side-by-side histogram.</summary>
    internal static AuditSeries LengthHistogram(string name, IReadOnlyList<MmdSample> samples)
    {
        var points = samples
            .Select(static s => s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length / 10 * 10)
            .GroupBy(static bin => bin)
            .OrderBy(static g => g.Key)
            .Select(static g => new AuditPoint(g.Key + 5, g.Count()))
            .ToArray();
        return new AuditSeries(name, points);
    }

    private static AuditCheckResult Inconclusive(CheckBudget budget, string why) => budget.Spent(new AuditCheckResult
    {
        Id = AuditCheckIds.Substitution,
        Title = "Model substitution",
        Verdict = AuditVerdict.Inconclusive,
        Summary = why,
    });
}
