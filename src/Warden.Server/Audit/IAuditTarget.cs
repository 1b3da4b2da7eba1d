namespace Warden.Server.Audit;

/// <summary>
/// An endpoint under audit (or the reference it is compared with), speaking one protocol for one model. Implementations
/// count what they spend so the runner can hold the budget.
/// </summary>
internal interface IAuditTarget
{
    /// <summary>"target" or "reference", for reports.</summary>
    string Label { get; }

    Uri BaseUrl { get; }

    string Model { get; }

    AuditProtocol Protocol { get; }

    /// <summary>Requests sent so far.</summary>
    int RequestsSent { get; }

    /// <summary>Input plus output tokens reported so far (what the audit would cost at the provider).</summary>
    long TokensSpent { get; }

    /// <summary>Sends one prompt. Never throws for HTTP or protocol errors: they come back as a failed reply.</summary>
    Task<AuditReply> SendAsync(AuditPrompt prompt, CancellationToken cancellationToken);

    /// <summary>The model's entry in the endpoint's model list, or null when the endpoint lists none or omits it.</summary>
    Task<AuditModelInfo?> DescribeModelAsync(CancellationToken cancellationToken);

    /// <summary>A GET relative to the endpoint's origin with the endpoint's credentials (receipts, JWKS, checkpoints);
    /// returns the status and body, status 0 on connection failure.</summary>
    Task<(int Status, string Body)> GetAsync(string pathAndQuery, CancellationToken cancellationToken);
}
