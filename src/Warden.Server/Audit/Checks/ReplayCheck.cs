using System.Globalization;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// Are sampled answers really sampled? K identical requests at temperature 1 per open prompt (many possible answers);
/// an answer that is byte-identical to an earlier one for the same prompt is a repeat. An honest sampler repeats a
/// multi-sentence answer almost never; a relay replaying a cache repeats every time. With a reference, the target's
/// repeat share is compared with the reference's by a one-sided Fisher exact test; without one, with a bound of
/// <see cref="RepeatBound"/> by a one-sided binomial test (conservative: repeats of one prompt are not independent, but
/// the bound is far above an honest sampler's rate for these prompts).
/// </summary>
internal sealed class ReplayCheck : IAuditCheck
{
    /// <summary>The repeat rate an honest sampler stays below on open multi-sentence prompts.</summary>
    public const double RepeatBound = 0.05;

    private const int PromptCount = 6;
    private const int Repeats = 5;

    private static readonly string[] Templates =
    [
        "Write a short story of three sentences about {0}. Make it original.",
        "Invent a name and a one-sentence slogan for a shop that sells things related to {0}.",
        "Describe {0} in three vivid sentences.",
        "Write a four-line poem about {0}, in your own style.",
        "Give three unusual facts someone might imagine about {0}.",
        "Write the opening paragraph of a novel about {0}.",
    ];

    public string Id => AuditCheckIds.Replay;

    public string Title => "Replay";

    public int DefaultRequests => PromptCount * Repeats;

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var budget = new CheckBudget(context);
        var endpoints = context.Reference is null ? 1 : 2;
        var repeats = Math.Min(Repeats, context.RequestBudget / (PromptCount * endpoints));
        if (repeats < 2)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"a budget of {context.RequestBudget} requests is too small (needs {2 * PromptCount * endpoints})"));
        }

        var target = new List<IReadOnlyList<string>>();
        var reference = context.Reference is null ? null : new List<IReadOnlyList<string>>();
        for (var p = 0; p < PromptCount; p++)
        {
            var text = string.Format(CultureInfo.InvariantCulture, Templates[p], AuditCorpus.Pick(context.Random, AuditCorpus.Topics));
            var prompt = new AuditPrompt { Messages = [AuditMessage.User(text)], Temperature = 1, MaxTokens = 160 };
            var targetAnswers = new List<string>();
            var referenceAnswers = new List<string>();
            for (var k = 0; k < repeats; k++)
            {
                if (await budget.SendAsync(context.Target, prompt, cancellationToken) is { Succeeded: true } a)
                {
                    targetAnswers.Add(a.Text);
                }

                if (context.Reference is not null && await budget.SendAsync(context.Reference, prompt, cancellationToken) is { Succeeded: true } b)
                {
                    referenceAnswers.Add(b.Text);
                }
            }

            target.Add(targetAnswers);
            reference?.Add(referenceAnswers);
        }

        return budget.Spent(Evaluate(target, reference, context.Settings.Alpha));
    }

    /// <summary>Answers that equal, byte for byte, an earlier answer to the same prompt; and the answers that could have.</summary>
    internal static (int Repeats, int Chances) CountRepeats(IReadOnlyList<IReadOnlyList<string>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var repeats = 0;
        var chances = 0;
        foreach (var group in groups)
        {
            if (group.Count < 2)
            {
                continue;
            }

            chances += group.Count - 1;
            repeats += group.Count - group.Distinct(StringComparer.Ordinal).Count();
        }

        return (repeats, chances);
    }

    internal static AuditCheckResult Evaluate(IReadOnlyList<IReadOnlyList<string>> target, IReadOnlyList<IReadOnlyList<string>>? reference, double alpha)
    {
        var (repeats, chances) = CountRepeats(target);
        if (chances < 4)
        {
            return Result(AuditVerdict.Inconclusive, $"only {chances} repeated requests were answered; at least 4 are needed");
        }

        var findings = new List<string>();
        for (var i = 0; i < target.Count; i++)
        {
            var distinct = target[i].Distinct(StringComparer.Ordinal).Count();
            if (target[i].Count > 1 && distinct < target[i].Count)
            {
                findings.Add($"prompt {i + 1}: {target[i].Count} answers, only {distinct} distinct");
            }
        }

        double p;
        string against;
        var series = new List<AuditSeries>();
        var (low, high) = ProportionInterval.ClopperPearson(repeats, chances, alpha);
        series.Add(new AuditSeries("target", [new AuditPoint(0, (double)repeats / chances, low, high, $"{repeats}/{chances}")]));
        if (reference is not null && CountRepeats(reference) is var (referenceRepeats, referenceChances) && referenceChances >= 4)
        {
            p = FisherExactTest.Greater(repeats, chances, referenceRepeats, referenceChances);
            against = $"the reference's {referenceRepeats}/{referenceChances} (Fisher exact test)";
            var (rLow, rHigh) = ProportionInterval.ClopperPearson(referenceRepeats, referenceChances, alpha);
            series.Add(new AuditSeries("reference", [new AuditPoint(1, (double)referenceRepeats / referenceChances, rLow, rHigh, $"{referenceRepeats}/{referenceChances}")]));
        }
        else
        {
            p = BinomialTest.UpperTail(repeats, chances, RepeatBound);
            against = $"an honest bound of {RepeatBound} (binomial test)";
        }

        var fail = p < alpha;
        var chart = new AuditChart("Byte-identical repeats of sampled answers", AuditChartKind.Interval, "endpoint", "repeat share", series)
        {
            ReferenceLine = reference is null ? RepeatBound : null,
        };
        return Result(
            fail ? AuditVerdict.Fail : AuditVerdict.Pass,
            fail
                ? $"sampled answers come back byte-identical: {repeats} of {chances} repeats against {against}, p = {p:G3}"
                : $"sampled answers vary as they should: {repeats} of {chances} repeats against {against}, p = {p:G3}") with
        {
            PValue = p,
            EffectName = "repeat share",
            Effect = (double)repeats / chances,
            CiLow = low,
            CiHigh = high,
            Findings = findings,
            Charts = [chart],
        };
    }

    private static AuditCheckResult Result(AuditVerdict verdict, string summary) => new()
    {
        Id = AuditCheckIds.Replay,
        Title = "Replay",
        Verdict = verdict,
        Summary = summary,
    };
}
