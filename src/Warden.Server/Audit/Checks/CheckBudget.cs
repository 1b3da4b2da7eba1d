namespace Warden.Server.Audit.Checks;

/// <summary>
/// Sends a check's prompts within its share of the budget: counts requests and the tokens they reported, and reports
/// each completed request to the progress bar. A send past the budget is refused (null), so no check can overspend.
/// </summary>
internal sealed class CheckBudget(AuditContext context)
{
    public int Requests { get; private set; }

    public long Tokens { get; private set; }

    public int Remaining => Math.Max(0, context.RequestBudget - Requests);

    public async Task<AuditReply?> SendAsync(IAuditTarget target, AuditPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Remaining == 0)
        {
            return null;
        }

        Requests++;
        var reply = await target.SendAsync(prompt, cancellationToken);
        Tokens += (reply.InputTokens ?? 0) + (reply.OutputTokens ?? 0);
        context.Progress(1);
        return reply;
    }

    /// <summary>Stamps what was spent on a result computed from the replies.</summary>
    public AuditCheckResult Spent(AuditCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result with { Requests = Requests, Tokens = Tokens };
    }
}
