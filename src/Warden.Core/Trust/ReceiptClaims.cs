using Warden.Core.Chat;

namespace Warden.Core.Trust;

/// <summary>
/// What a receipt states about one relayed request (DESIGN.md §6). Serialised by <see cref="ReceiptJson"/> in a
/// fixed field order; body hashes are SHA-256 in lower-case hex (64 characters), the same text
/// <c>sha256sum</c> prints, so a user can compare them by hand.
/// </summary>
public sealed record ReceiptClaims
{
    /// <summary>
    /// The receipt format version written as "v" by today's signer: 2, a receipt whose claims are a leaf of a signed
    /// batch (<see cref="ReceiptBatch"/>, issue 25).
    /// </summary>
    public const int CurrentVersion = 2;

    /// <summary>Version 1: a receipt that is one ES256 JWS over its own claims (every receipt signed before issue 25).</summary>
    public const int SingleSignatureVersion = 1;

    /// <summary>The only retention Warden offers: nothing of the content is kept.</summary>
    public const string RetentionNone = "none";

    /// <summary>
    /// The format version ("v"): <see cref="SingleSignatureVersion"/> in a receipt signed alone, <see cref="CurrentVersion"/>
    /// in a leaf of a signed batch. A verifier requires the version that matches how the receipt was signed.
    /// </summary>
    public int Version { get; init; } = SingleSignatureVersion;

    /// <summary>Warden's id of the request (the id the receipt is retrievable by).</summary>
    public required string RequestId { get; init; }

    /// <summary>When the receipt was issued (written as RFC 3339 UTC with milliseconds).</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Fingerprint of the Warden API key that made the request (never the key itself).</summary>
    public required string KeyFingerprint { get; init; }

    /// <summary>The model the client asked for.</summary>
    public required string RequestedModel { get; init; }

    /// <summary>The model as the upstream reported it; null when the upstream reported none.</summary>
    public string? ServedModel { get; init; }

    /// <summary>The provider that answered.</summary>
    public required string Provider { get; init; }

    /// <summary>The channel that answered.</summary>
    public required string Channel { get; init; }

    /// <summary>The channel's declared jurisdiction, when configured.</summary>
    public string? Jurisdiction { get; init; }

    /// <summary>The upstream's own request id, when it sent one.</summary>
    public string? UpstreamRequestId { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the request body the client sent.</summary>
    public required string ClientRequestSha256 { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the body sent upstream; null when nothing was sent upstream.</summary>
    public string? UpstreamRequestSha256 { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the response bytes sent to the client.</summary>
    public required string ResponseSha256 { get; init; }

    /// <summary>
    /// The upstream host name connected to (the channel's base URL host); null only in receipts signed before receipts
    /// bound the upstream (issue 19).
    /// </summary>
    public string? UpstreamHost { get; init; }

    /// <summary>The upstream TCP port connected to; null only in receipts signed before receipts bound the upstream.</summary>
    public int? UpstreamPort { get; init; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the DER SubjectPublicKeyInfo of the certificate the upstream presented on the TLS
    /// connection that carried this request; null when the connection was plain http (no key was presented).
    /// </summary>
    public string? UpstreamTlsSpkiSha256 { get; init; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the upstream's response body as received (after transfer decoding, before Warden
    /// parses or re-encodes it; docs/trust.md); null only in receipts signed before receipts bound the upstream.
    /// </summary>
    public string? UpstreamResponseSha256 { get; init; }

    /// <summary>Usage as the upstream reported it (or estimated, per <see cref="Usage.Source"/>).</summary>
    public required Usage Usage { get; init; }

    /// <summary>The version of the price table used for <see cref="Cost"/>.</summary>
    public string? PriceVersion { get; init; }

    /// <summary>
    /// The model whose price (<see cref="PriceVersion"/>) was charged: the model that served, which is the declared
    /// fallback model when one answered instead of <see cref="RequestedModel"/>; null when not priced.
    /// </summary>
    public string? BilledModel { get; init; }

    /// <summary>The cost charged; null when not priced.</summary>
    public ReceiptCost? Cost { get; init; }

    /// <summary>The version of the answering channel's policy applied to the request; null when it declares none.</summary>
    public long? PolicyVersion { get; init; }

    /// <summary>
    /// SHA-256 (lower-case hex) of the configuration in force (channels, policies, aliases, prices, keys, tenants, limits,
    /// budgets, signing keys), as committed in the transparency log; null in receipts from before it was stated.
    /// </summary>
    public string? ConfigDigest { get; init; }

    /// <summary>Declared changes applied to the request ("left_out:…", "added:…").</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Redactions applied to the request.</summary>
    public IReadOnlyList<string> Redactions { get; init; } = [];

    /// <summary>Every upstream attempt, in order.</summary>
    public IReadOnlyList<ReceiptAttempt> Attempts { get; init; } = [];

    /// <summary>Whether a fallback to another model happened.</summary>
    public ReceiptFallback Fallback { get; init; } = ReceiptFallback.None;

    /// <summary>Always "none".</summary>
    public string Retention { get; init; } = RetentionNone;
}

/// <summary>A cost in integer millionths of the currency unit (e.g. 1_250_000 = 1.25 USD).</summary>
/// <param name="AmountMicros">Millionths of the currency unit.</param>
/// <param name="Currency">ISO 4217 code, e.g. "USD".</param>
public sealed record ReceiptCost(long AmountMicros, string Currency);

/// <summary>One upstream attempt: which channel, how it ended ("ok", "error", "timeout", …), and the HTTP status if any.</summary>
/// <param name="Channel">The channel tried.</param>
/// <param name="Outcome">How the attempt ended.</param>
/// <param name="Status">The upstream HTTP status; null when no response arrived.</param>
public sealed record ReceiptAttempt(string Channel, string Outcome, int? Status);

/// <summary>Whether the request fell back from one model to another (only with the key's consent).</summary>
/// <param name="Used">True when a different model answered than the first one tried.</param>
/// <param name="FromModel">The model first tried.</param>
/// <param name="ToModel">The model that answered.</param>
public sealed record ReceiptFallback(bool Used, string? FromModel, string? ToModel)
{
    /// <summary>No fallback.</summary>
    public static ReceiptFallback None { get; } = new(false, null, null);
}
