using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// Are the token counts on the bill honest? Prompts of several lengths; the reported input tokens are regressed on the
/// exact local count (the model's tokenizer family is known) or on the reference's reported count for the same prompt
/// (paired, when the family is not known). The slope is the inflation ratio: a provider's constant chat-template
/// overhead goes to the intercept, a multiplicative inflation moves the slope. Output tokens are regressed the same way
/// on the local count of the returned text (only for a known family and a model that does not reason, since hidden
/// reasoning tokens are billed as output). Fails when the slope's (1 − alpha) t-interval lies entirely above
/// 1 + <see cref="Tolerance"/>.
/// </summary>
internal sealed class UsageCheck : IAuditCheck
{
    /// <summary>
    /// The inflation tolerated before failing: 5%. Within one tokenizer family local counts are exact, so an honest slope
    /// is 1 up to rounding; the tolerance absorbs per-text template tokens that grow with message count and the odd
    /// special token, and keeps "inflated" meaning a factor a user would care about.
    /// </summary>
    public const double Tolerance = 0.05;

    private const int Prompts = 24;

    public string Id => AuditCheckIds.Usage;

    public string Title => "Usage honesty";

    public int DefaultRequests => Prompts;

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var budget = new CheckBudget(context);
        var family = TokenCounter.FamilyOf(context.Target.Model);
        var reference = family == TokenizerFamily.None ? context.Reference : null;
        if (family == TokenizerFamily.None && reference is null)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"no local tokenizer is known for {context.Target.Model} and no reference was given to compare with"));
        }

        var count = Math.Min(Prompts, reference is null ? context.RequestBudget : context.RequestBudget / 2);
        if (count < 6)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"a budget of {context.RequestBudget} requests is too small (needs at least {(reference is null ? 6 : 12)})"));
        }

        var input = new List<(double X, double Y)>();
        var output = new List<(double X, double Y)>();
        for (var i = 0; i < count; i++)
        {
            // Lengths from ~60 to ~4,000 characters, spread geometrically so the regression sees both ends.
            var chars = (int)(60 * Math.Pow(4000 / 60.0, i / (double)Math.Max(1, count - 1)));
            var text = $"Here are some notes. {AuditCorpus.Paragraph(context.Random, chars)}\n\nIn one short sentence, what are these notes about?";
            var prompt = new AuditPrompt { Messages = [AuditMessage.User(text)], MaxTokens = 60 };
            var reply = await budget.SendAsync(context.Target, prompt, cancellationToken);
            if (reply is not { Succeeded: true, InputTokens: long reported })
            {
                continue;
            }

            if (reference is not null)
            {
                var paired = await budget.SendAsync(reference, prompt, cancellationToken);
                if (paired is { Succeeded: true, InputTokens: long referenceCount })
                {
                    input.Add((referenceCount, reported));
                }

                continue;
            }

            input.Add((TokenCounter.CountPrompt(family, prompt.Messages), reported));
            if (reply.OutputTokens is long reportedOutput && reply.Text.Length > 0)
            {
                output.Add((TokenCounter.Count(family, reply.Text), reportedOutput));
            }
        }

        var checkOutput = family != TokenizerFamily.None && !Reasons(context.Target.Model);
        return budget.Spent(Evaluate(input, checkOutput ? output : [], context.Settings.Alpha, reference is null ? TokenCounter.Name(family) : "the reference's count"));
    }

    /// <summary>Models that bill hidden reasoning as output tokens, whose output count the returned text cannot explain.</summary>
    internal static bool Reasons(string model)
    {
        var name = model.ToLowerInvariant();
        return name.Contains("reason", StringComparison.Ordinal) || name.Contains("think", StringComparison.Ordinal)
            || name.StartsWith("o1", StringComparison.Ordinal) || name.StartsWith("o3", StringComparison.Ordinal)
            || name.StartsWith("o4", StringComparison.Ordinal) || name.StartsWith("gpt-5", StringComparison.Ordinal)
            || name.Contains("r1", StringComparison.Ordinal);
    }

    /// <summary>The decision: one slope per series (input, and output when given), each at alpha / series (Bonferroni).</summary>
    internal static AuditCheckResult Evaluate(IReadOnlyList<(double X, double Y)> input, IReadOnlyList<(double X, double Y)> output, double alpha, string against = "the local count")
    {
        var series = output.Count >= 3 ? 2 : 1;
        var level = alpha / series;
        var inputFit = LinearFit.Fit(input, level);
        if (inputFit is null)
        {
            return Result(AuditVerdict.Inconclusive, $"only {input.Count} answers reported input tokens; at least 3 of different lengths are needed");
        }

        var outputFit = series == 2 ? LinearFit.Fit(output, level) : null;
        var findings = new List<string>();
        var inflatedInput = inputFit.SlopeLow > 1 + Tolerance;
        var inflatedOutput = outputFit is not null && outputFit.SlopeLow > 1 + Tolerance;
        findings.Add($"input tokens: reported ≈ {inputFit.Intercept:F1} + {inputFit.Slope:F3} × {against} over {inputFit.Count} prompts, slope interval [{inputFit.SlopeLow:F3}, {inputFit.SlopeHigh:F3}]");
        if (outputFit is not null)
        {
            findings.Add($"output tokens: reported ≈ {outputFit.Intercept:F1} + {outputFit.Slope:F3} × local count of the text over {outputFit.Count} answers, slope interval [{outputFit.SlopeLow:F3}, {outputFit.SlopeHigh:F3}]");
        }

        if (inputFit.SlopeHigh < 1 - Tolerance)
        {
            findings.Add("input tokens are reported below the local count: not an overcharge, but the tokenizer may not be the requested model's");
        }

        var points = new List<AuditPoint> { new(0, inputFit.Slope, inputFit.SlopeLow, inputFit.SlopeHigh, "input") };
        if (outputFit is not null)
        {
            points.Add(new AuditPoint(1, outputFit.Slope, outputFit.SlopeLow, outputFit.SlopeHigh, "output"));
        }

        var chart = new AuditChart($"Inflation ratio with its {(1 - level) * 100:G4}% interval", AuditChartKind.Interval, "tokens", "reported / counted",
            [new AuditSeries("inflation ratio", points)])
        { ReferenceLine = 1.0 };
        var fail = inflatedInput || inflatedOutput;
        var worst = inflatedOutput && (!inflatedInput || outputFit!.Slope > inputFit.Slope) ? outputFit! : inputFit;
        return Result(
            fail ? AuditVerdict.Fail : AuditVerdict.Pass,
            fail
                ? $"{(inflatedInput ? "input" : "")}{(inflatedInput && inflatedOutput ? " and " : "")}{(inflatedOutput ? "output" : "")} tokens are inflated: ratio {worst.Slope:F3}, interval [{worst.SlopeLow:F3}, {worst.SlopeHigh:F3}] above 1 + {Tolerance}"
                : $"reported tokens match {against}: ratio {inputFit.Slope:F3}, interval [{inputFit.SlopeLow:F3}, {inputFit.SlopeHigh:F3}]") with
        {
            EffectName = "inflation ratio",
            Effect = worst.Slope,
            CiLow = worst.SlopeLow,
            CiHigh = worst.SlopeHigh,
            Findings = findings,
            Charts = [chart],
        };
    }

    private static AuditCheckResult Result(AuditVerdict verdict, string summary) => new()
    {
        Id = AuditCheckIds.Usage,
        Title = "Usage honesty",
        Verdict = verdict,
        Summary = summary,
    };
}
