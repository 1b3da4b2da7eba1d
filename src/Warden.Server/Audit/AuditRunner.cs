using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Audit;

/// <summary>
/// Runs the selected checks one after another in <see cref="AuditCheckIds.All"/> order. The run's request budget is
/// shared out by each check's <see cref="IAuditCheck.DefaultRequests"/> (largest remainders, so the shares add up to the
/// budget), each check gets a generator seeded from the run's seed and its id (a run repeats exactly, and adding a check
/// does not change the others' prompts), and what a check spent is measured on the targets' counters.
/// </summary>
internal sealed class AuditRunner(IReadOnlyList<IAuditCheck> checks, TimeProvider time)
{
    public async Task<AuditReport> RunAsync(
        IAuditTarget target, IAuditTarget? reference, AuditSettings settings, IReadOnlyCollection<string> selected, IAuditProgress progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(progress);
        var started = time.GetUtcNow();
        var ids = AuditCheckIds.All.Where(id => selected.Contains(id, StringComparer.Ordinal)).ToList();
        var available = ids.Select(id => checks.FirstOrDefault(c => c.Id == id)).OfType<IAuditCheck>().ToList();
        var budgets = Share(settings.MaxRequests, available.Select(static c => c.DefaultRequests).ToList());
        var results = new List<AuditCheckResult>();
        foreach (string id in ids)
        {
            int index = available.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                results.Add(new AuditCheckResult { Id = id, Title = id, Verdict = AuditVerdict.Skipped, Summary = "this check is not available in this build" });
                continue;
            }

            var check = available[index];
            results.Add(await RunCheckAsync(check, target, reference, settings, budgets[index], progress, cancellationToken));
        }

        return new AuditReport
        {
            StartedAt = started,
            FinishedAt = time.GetUtcNow(),
            TargetUrl = target.BaseUrl,
            TargetModel = target.Model,
            Protocol = target.Protocol,
            ReferenceUrl = reference?.BaseUrl,
            ReferenceModel = reference?.Model,
            Settings = settings,
            Checks = results,
        };
    }

    private static async Task<AuditCheckResult> RunCheckAsync(
        IAuditCheck check, IAuditTarget target, IAuditTarget? reference, AuditSettings settings, int budget, IAuditProgress progress,
        CancellationToken cancellationToken)
    {
        progress.CheckStarted(check, budget);
        int requestsBefore = target.RequestsSent + (reference?.RequestsSent ?? 0);
        long tokensBefore = target.TokensSpent + (reference?.TokensSpent ?? 0);
        var context = new AuditContext
        {
            Target = target,
            Reference = reference,
            Settings = settings,
            RequestBudget = budget,
            Progress = requests => progress.Advanced(check, requests),
            Random = new Random(Seed(settings.Seed, check.Id)),
        };
        AuditCheckResult result;
        try
        {
            result = await check.RunAsync(context, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A check that breaks is a bug in the audit, not a finding about the endpoint: it decides nothing.
            result = new AuditCheckResult { Id = check.Id, Title = check.Title, Verdict = AuditVerdict.Inconclusive, Summary = $"the check broke: {ex.GetType().Name}: {ex.Message}" };
        }

        int requests = target.RequestsSent + (reference?.RequestsSent ?? 0) - requestsBefore;
        long tokens = target.TokensSpent + (reference?.TokensSpent ?? 0) - tokensBefore;
        result = result with
        {
            Requests = result.Requests > 0 ? result.Requests : requests,
            Tokens = result.Tokens > 0 ? result.Tokens : tokens,
        };
        progress.CheckFinished(check, result);
        return result;
    }

    /// <summary>Shares <paramref name="total"/> out in proportion to <paramref name="weights"/>, by largest remainders.</summary>
    internal static IReadOnlyList<int> Share(int total, IReadOnlyList<int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        long sum = weights.Sum(static w => (long)Math.Max(w, 0));
        if (weights.Count == 0 || sum == 0 || total <= 0)
        {
            return [.. weights.Select(static _ => 0)];
        }

        var shares = new int[weights.Count];
        var remainders = new (long Remainder, int Index)[weights.Count];
        int given = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            long scaled = checked((long)total * Math.Max(weights[i], 0));
            shares[i] = (int)(scaled / sum);
            remainders[i] = (scaled % sum, i);
            given += shares[i];
        }

        foreach (var (_, index) in remainders.OrderByDescending(static r => r.Remainder).ThenBy(static r => r.Index).Take(total - given))
        {
            shares[index]++;
        }

        return shares;
    }

    /// <summary>The check's seed: the run's seed mixed with a stable hash of the id (string hashes vary per process).</summary>
    internal static int Seed(int runSeed, string checkId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(checkId), hash);
        return runSeed ^ BitConverter.ToInt32(hash);
    }
}
