using System.Globalization;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>Recall at one conversation length: how many of the planted facts came back.</summary>
internal sealed record ContextLevel(long Tokens, int Messages, int Recalled, int Asked);

/// <summary>
/// Is the whole conversation read? A fact ("The code word for X is Y.") is planted in the first message of
/// conversations of several lengths, up to 80% of the model's advertised window, and asked for at the end. Recall at
/// each longer length is compared with recall in the shortest conversation (three messages) by a one-sided Fisher
/// exact test, and with a floor of <see cref="RecallFloor"/> by a binomial test, all Bonferroni-corrected. A model that
/// does not recall even in the shortest conversation makes the check inconclusive: it cannot tell cutting from
/// forgetting.
/// </summary>
internal sealed class ContextCheck : IAuditCheck
{
    /// <summary>The window probed when the endpoint declares none and the user gave no --context-window.</summary>
    public const long DefaultWindow = 8192;

    /// <summary>The longest conversation probed, whatever the window: longer ones cost too much on a real provider.</summary>
    public const long MaxProbeTokens = 131_072;

    /// <summary>Recall expected of an honest model at every length; below it, significantly, counts as lost context.</summary>
    public const double RecallFloor = 0.8;

    /// <summary>The shortest conversation must recall at least this share, or the check cannot decide.</summary>
    public const double MinimumShortRecall = 0.5;

    private const int PerLevel = 10;

    /// <summary>Filler messages of about 250 tokens: long conversations have many messages, as real ones do.</summary>
    private const int FillerChars = 1000;

    private static readonly double[] LongFractions = [0.25, 0.5, 0.8];

    public string Id => AuditCheckIds.Context;

    public string Title => "Cut context";

    public int DefaultRequests => PerLevel * (LongFractions.Length + 1);

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var budget = new CheckBudget(context);
        var perLevel = Math.Min(PerLevel, context.RequestBudget / (LongFractions.Length + 1));
        if (perLevel < 4)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"a budget of {context.RequestBudget} requests is too small (needs {4 * (LongFractions.Length + 1)})"));
        }

        var info = await context.Target.DescribeModelAsync(cancellationToken);
        var window = info?.ContextWindow ?? context.Settings.ContextWindow ?? DefaultWindow;
        var windowSource = info?.ContextWindow is not null ? "advertised" : context.Settings.ContextWindow is not null ? "given" : "assumed";
        var probe = Math.Min(window, MaxProbeTokens);
        var family = TokenCounter.FamilyOf(context.Target.Model);
        var levels = new List<ContextLevel>();
        long[] targets = [0, .. LongFractions.Select(f => (long)(f * probe))];
        foreach (var targetTokens in targets)
        {
            var recalled = 0;
            var asked = 0;
            long tokens = 0;
            var messages = 0;
            for (var i = 0; i < perLevel; i++)
            {
                var (conversation, value, estimate) = Conversation(context.Random, targetTokens, family);
                var reply = await budget.SendAsync(context.Target, new AuditPrompt { Messages = conversation, MaxTokens = 40 }, cancellationToken);
                tokens = estimate;
                messages = conversation.Count;
                if (reply is not { Succeeded: true })
                {
                    continue;
                }

                asked++;
                if (reply.Text.Contains(value, StringComparison.OrdinalIgnoreCase))
                {
                    recalled++;
                }
            }

            levels.Add(new ContextLevel(tokens, messages, recalled, asked));
        }

        var result = Evaluate(levels, context.Settings.Alpha);
        return budget.Spent(result with
        {
            Findings = [.. result.Findings, $"context window {window.ToString(CultureInfo.InvariantCulture)} tokens ({windowSource}); probed up to {levels[^1].Tokens.ToString(CultureInfo.InvariantCulture)}"],
        });
    }

    /// <summary>The fact first, filler turns until the estimated size is reached, then the question.</summary>
    internal static (IReadOnlyList<AuditMessage> Messages, string Value, long Tokens) Conversation(Random random, long targetTokens, TokenizerFamily family)
    {
        var label = AuditCorpus.MadeUpWord(random);
        var value = AuditCorpus.MadeUpWord(random);
        var messages = new List<AuditMessage>
        {
            AuditMessage.User($"Please remember this for later. The code word for {label} is {value}."),
            AuditMessage.Assistant("Understood, I will remember it."),
        };
        long tokens = Estimate(family, messages[0].Text) + Estimate(family, messages[1].Text) + 8;
        while (tokens < targetTokens)
        {
            var filler = $"{AuditCorpus.Paragraph(random, FillerChars)} Reply with OK.";
            messages.Add(AuditMessage.User(filler));
            messages.Add(AuditMessage.Assistant("OK."));
            tokens += Estimate(family, filler) + 10;
        }

        var question = $"What is the code word for {label}?";
        messages.Add(AuditMessage.User(question));
        tokens += Estimate(family, question) + 4;
        return (messages, value, tokens);
    }

    private static long Estimate(TokenizerFamily family, string text) =>
        family == TokenizerFamily.None ? (text.Length + 3) / 4 : TokenCounter.Count(family, text) + (family == TokenizerFamily.SimChars4 ? TokenCounter.SimPerMessage : 0);

    /// <summary>
    /// The decision: the first level is the short baseline; every longer level gets two one-sided tests (Fisher against
    /// the baseline, binomial against the floor), each at alpha / (2 × longer levels).
    /// </summary>
    internal static AuditCheckResult Evaluate(IReadOnlyList<ContextLevel> levels, double alpha)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var chart = new AuditChart("Recall by context length", AuditChartKind.Line, "prompt tokens", "recall",
            [new AuditSeries("recall", levels.Select(l =>
            {
                var (low, high) = ProportionInterval.Wilson(l.Recalled, l.Asked, alpha);
                return new AuditPoint(l.Tokens, l.Asked == 0 ? 0 : (double)l.Recalled / l.Asked, low, high, $"{l.Recalled}/{l.Asked}");
            }).ToArray())]);
        var findings = levels.Select(l => $"{l.Tokens} tokens in {l.Messages} messages: recalled {l.Recalled} of {l.Asked}").ToList();
        var shortLevel = levels[0];
        var longer = levels.Skip(1).Where(static l => l.Asked > 0).ToArray();
        if (shortLevel.Asked < 3 || longer.Length == 0)
        {
            return Result(AuditVerdict.Inconclusive, "too few answers to compare recall across lengths") with { Findings = findings, Charts = [chart] };
        }

        if (shortLevel.Recalled < MinimumShortRecall * shortLevel.Asked)
        {
            return Result(AuditVerdict.Inconclusive, $"the model recalled only {shortLevel.Recalled} of {shortLevel.Asked} facts in the shortest conversation: it cannot recall, so lost context cannot be told apart") with { Findings = findings, Charts = [chart] };
        }

        var tests = longer.Length * 2;
        var level = alpha / tests;
        var smallest = 1.0;
        ContextLevel? cut = null;
        foreach (var l in longer)
        {
            var fisher = FisherExactTest.Less(l.Recalled, l.Asked, shortLevel.Recalled, shortLevel.Asked);
            var floor = BinomialTest.LowerTail(l.Recalled, l.Asked, RecallFloor);
            var p = Math.Min(fisher, floor);
            if (p < smallest)
            {
                smallest = p;
            }

            if (p < level)
            {
                cut ??= l;
                findings.Add($"recall at {l.Tokens} tokens is significantly low: {l.Recalled}/{l.Asked} against {shortLevel.Recalled}/{shortLevel.Asked} in the shortest conversation (Fisher p = {fisher:G3}) and a floor of {RecallFloor} (binomial p = {floor:G3})");
            }
        }

        var longest = longer[^1];
        var adjusted = Math.Min(1, smallest * tests);
        var recall = (double)longest.Recalled / longest.Asked;
        var (ciLow, ciHigh) = ProportionInterval.ClopperPearson(longest.Recalled, longest.Asked, alpha);
        return Result(
            cut is null ? AuditVerdict.Pass : AuditVerdict.Fail,
            cut is null
                ? $"facts planted early were recalled at every length (longest: {longest.Recalled}/{longest.Asked} at {longest.Tokens} tokens)"
                : $"facts planted early are lost from {cut.Tokens} tokens on ({cut.Recalled}/{cut.Asked} recalled against {shortLevel.Recalled}/{shortLevel.Asked} in a short conversation, adjusted p = {adjusted:G3})") with
        {
            PValue = adjusted,
            EffectName = $"recall at {longest.Tokens} tokens",
            Effect = recall,
            CiLow = ciLow,
            CiHigh = ciHigh,
            Findings = findings,
            Charts = [chart],
        };
    }

    private static AuditCheckResult Result(AuditVerdict verdict, string summary) => new()
    {
        Id = AuditCheckIds.Context,
        Title = "Cut context",
        Verdict = verdict,
        Summary = summary,
    };
}
