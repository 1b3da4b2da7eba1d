using System.Text.RegularExpressions;
using Warden.Server.Audit.Stats;

namespace Warden.Server.Audit.Checks;

/// <summary>One counting answer: the count asked for, the output limit sent, and what came back.</summary>
internal sealed record CountingSample(int CountTo, int MaxTokens, AuditFinish Finish, string Text, long? OutputTokens, int? LocalTokens);

/// <summary>
/// Does the endpoint honour the output limit and tell the truth about why an answer ended? Counting tasks ("Count from 1
/// to N") have an answer whose completeness anyone can check. Three counts, each a one-sided binomial test against a
/// tolerated honest rate and Bonferroni-corrected: answers cut short that say "stop" (an honest model finishes a count
/// it has room for), answers over the limit (max_tokens not honoured), and answers that say "length" well below the limit.
/// </summary>
internal sealed partial class OutputCheck : IAuditCheck
{
    /// <summary>Honest models do sometimes stop a long count early or miscount; up to this share is tolerated.</summary>
    public const double IncompleteNullShare = 0.2;

    /// <summary>Tolerated share of "length" answers well below the limit (tokenizer differences at the boundary).</summary>
    public const double FalseLengthNullShare = 0.1;

    /// <summary>Tolerated share of answers over the limit (a limit a provider enforces should never be exceeded).</summary>
    public const double OverLimitNullShare = 0.05;

    private const int Requests = 30;

    private static readonly int[] SmallLimits = [16, 24, 32, 48];

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Numbers();

    public string Id => AuditCheckIds.Output;

    public string Title => "Output honesty";

    public int DefaultRequests => Requests;

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var budget = new CheckBudget(context);
        var total = Math.Min(Requests, context.RequestBudget);
        if (total < 9)
        {
            return budget.Spent(Result(AuditVerdict.Inconclusive, $"a budget of {context.RequestBudget} requests is too small (needs 9)"));
        }

        var family = TokenCounter.FamilyOf(context.Target.Model);
        var samples = new List<CountingSample>();
        for (var i = 0; i < total; i++)
        {
            // Two thirds fit (a count of 100 to 400 numbers with room to spare: long enough that a cap well above the small
            // limits still cuts most of them), one third must hit a small limit.
            var fits = i % 3 != 2;
            var countTo = fits ? context.Random.Next(100, 401) : 2000;
            var maxTokens = fits ? (4 * countTo) + 64 : AuditCorpus.Pick(context.Random, SmallLimits);
            var prompt = new AuditPrompt
            {
                Messages = [AuditMessage.User($"Count from 1 to {countTo}. Write only the numbers, separated by single spaces.")],
                MaxTokens = maxTokens,
            };
            var reply = await budget.SendAsync(context.Target, prompt, cancellationToken);
            if (reply is { Succeeded: true })
            {
                samples.Add(new CountingSample(countTo, maxTokens, reply.Finish, reply.Text, reply.OutputTokens,
                    family == TokenizerFamily.None ? null : TokenCounter.Count(family, reply.Text)));
            }
        }

        return budget.Spent(Evaluate(samples, context.Settings.Alpha));
    }

    /// <summary>The highest number in the answer: a count is complete when it reaches the number asked for.</summary>
    internal static int Reached(string text)
    {
        var highest = 0;
        foreach (Match match in Numbers().Matches(text))
        {
            if (match.Value.Length <= 6 && int.TryParse(match.Value, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                highest = Math.Max(highest, value);
            }
        }

        return highest;
    }

    /// <summary>How far below the limit a "length" answer may end: tokenizers differ by a few tokens at the cut.</summary>
    internal static int Slack(int maxTokens) => Math.Max(3, (int)Math.Ceiling(0.15 * maxTokens));

    internal static AuditCheckResult Evaluate(IReadOnlyList<CountingSample> samples, double alpha)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 6)
        {
            return Result(AuditVerdict.Inconclusive, $"only {samples.Count} counting answers came back; at least 6 are needed");
        }

        var findings = new List<string>();
        var incomplete = 0;
        var overLimit = 0;
        var falseLength = 0;
        var lengthAnswers = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            var reached = Reached(s.Text);
            var produced = s.OutputTokens ?? s.LocalTokens;
            if (s.Finish == AuditFinish.Stop && reached < s.CountTo)
            {
                incomplete++;
                findings.Add($"answer {i + 1}: asked to count to {s.CountTo}, stopped at {reached} and said \"stop\" (limit {s.MaxTokens}, {produced?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} tokens)");
            }

            // Over the limit: the reported count, or the text's own count beyond the tokenizer slack.
            if ((s.OutputTokens is long reported && reported > s.MaxTokens) || (s.LocalTokens is int local && local > s.MaxTokens + Slack(s.MaxTokens)))
            {
                overLimit++;
                findings.Add($"answer {i + 1}: {produced} output tokens over a limit of {s.MaxTokens}");
            }

            if (s.Finish == AuditFinish.Length)
            {
                lengthAnswers++;
                var below = s.MaxTokens - Slack(s.MaxTokens);
                if ((s.OutputTokens ?? long.MaxValue) < below && (s.LocalTokens ?? int.MaxValue) < below && (s.OutputTokens is not null || s.LocalTokens is not null))
                {
                    falseLength++;
                    findings.Add($"answer {i + 1}: said \"length\" at {produced} tokens, well below the limit of {s.MaxTokens}");
                }
            }
        }

        var tests = new (string Name, int Count, int Of, double Null)[]
        {
            ("answers cut short with \"stop\"", incomplete, samples.Count, IncompleteNullShare),
            ("answers over max_tokens", overLimit, samples.Count, OverLimitNullShare),
            ("\"length\" answers below the limit", falseLength, Math.Max(lengthAnswers, 1), FalseLengthNullShare),
        };
        var level = alpha / tests.Length;
        var pValues = tests.Select(t => t.Count == 0 ? 1 : BinomialTest.UpperTail(t.Count, t.Of, t.Null)).ToArray();
        var failing = tests.Where((t, i) => pValues[i] < level).Select(static t => t.Name).ToArray();
        var adjusted = Math.Min(1, pValues.Min() * tests.Length);
        var share = (double)incomplete / samples.Count;
        var (ciLow, ciHigh) = ProportionInterval.ClopperPearson(incomplete, samples.Count, alpha);
        var chart = new AuditChart("Counting answers by outcome", AuditChartKind.Interval, "outcome", "share of answers",
            tests.Select((t, i) =>
            {
                var (low, high) = ProportionInterval.ClopperPearson(t.Count, t.Of, alpha);
                return new AuditSeries(t.Name, [new AuditPoint(i, (double)t.Count / t.Of, low, high, $"{t.Count}/{t.Of}")]);
            }).ToArray());
        return Result(
            failing.Length > 0 ? AuditVerdict.Fail : AuditVerdict.Pass,
            failing.Length > 0
                ? $"{string.Join("; ", failing)}: more than an honest endpoint allows (adjusted p = {adjusted:G3})"
                : $"limits honoured and finish reasons truthful in {samples.Count} counting answers ({incomplete} cut short, {overLimit} over the limit, {falseLength} false \"length\")") with
        {
            PValue = adjusted,
            EffectName = "share of answers cut short with \"stop\"",
            Effect = share,
            CiLow = ciLow,
            CiHigh = ciHigh,
            Findings = findings.Take(20).ToArray(),
            Charts = [chart],
        };
    }

    private static AuditCheckResult Result(AuditVerdict verdict, string summary) => new()
    {
        Id = AuditCheckIds.Output,
        Title = "Output honesty",
        Verdict = verdict,
        Summary = summary,
    };
}
