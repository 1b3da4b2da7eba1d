namespace Warden.Server.Audit;

/// <summary>
/// What came back for one <see cref="AuditPrompt"/>: the answer text assembled from every part or event, the usage the
/// endpoint reported, and the raw evidence (status, headers, body bytes) that the receipt check and the reports need.
/// </summary>
internal sealed record AuditReply
{
    /// <summary>The HTTP status; 0 when no response arrived (connection error, timeout).</summary>
    public required int Status { get; init; }

    /// <summary>The answer's visible text (reasoning excluded), concatenated in order.</summary>
    public string Text { get; init; } = "";

    public AuditFinish Finish { get; init; }

    /// <summary>The finish reason exactly as the wire said it, for reports.</summary>
    public string? RawFinish { get; init; }

    /// <summary>Reported input (prompt) tokens, cached tokens included; null when the answer reported none.</summary>
    public long? InputTokens { get; init; }

    /// <summary>Reported output (completion) tokens, reasoning tokens included; null when none were reported.</summary>
    public long? OutputTokens { get; init; }

    public IReadOnlyList<AuditToolCall> ToolCalls { get; init; } = [];

    /// <summary>The model the answer names (<c>model</c>, <c>modelVersion</c>).</summary>
    public string? ServedModel { get; init; }

    /// <summary>A short description of the failure when <see cref="Succeeded"/> is false (never the prompt).</summary>
    public string? Error { get; init; }

    /// <summary>Response headers and trailers with lower-case names (multiple values joined with ", ").</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The body bytes as received, after transfer framing is removed (a stream's whole text).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Wall time from sending the request to reading the end of the body.</summary>
    public TimeSpan Elapsed { get; init; }

    public bool Succeeded => Status is >= 200 and < 300 && Error is null;
}
