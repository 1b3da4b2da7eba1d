using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Trust;

/// <summary>
/// The bytes a user kept to check a receipt against: any of the bodies, and optionally the log's inclusion
/// proof for the receipt with the signed checkpoint it leads to.
/// </summary>
public sealed record ReceiptEvidence
{
    /// <summary>The request body the client sent.</summary>
    public byte[]? ClientRequestBody { get; init; }

    /// <summary>The body sent upstream (when the relay disclosed it).</summary>
    public byte[]? UpstreamRequestBody { get; init; }

    /// <summary>The response bytes the client received.</summary>
    public byte[]? ResponseBody { get; init; }

    /// <summary>Proof that the receipt is in the log.</summary>
    public LogInclusionEvidence? Inclusion { get; init; }
}

/// <summary>An inclusion proof of a log entry at <paramref name="LeafIndex"/> under the tree of a signed checkpoint.</summary>
/// <param name="LeafIndex">The entry's index in the log.</param>
/// <param name="Proof">The RFC 9162 inclusion path, leaf side first.</param>
/// <param name="SignedCheckpoint">The signed checkpoint text the proof leads to.</param>
/// <param name="LogKeys">The log's note verifier keys (its vkey from /.well-known/warden/log.vkey).</param>
public sealed record LogInclusionEvidence(long LeafIndex, IReadOnlyList<byte[]> Proof, string SignedCheckpoint, IReadOnlyCollection<NoteVerifier> LogKeys);

/// <summary>
/// What <c>warden verify</c> runs on a receipt (version 1, one JWS, or version 2, a leaf of a signed batch): its
/// format, that its key is published, its signature, for version 2 that its claims lead to the signed batch root, its
/// claims, the kept bodies against the hashes it states, and its inclusion in the log. Needs only public data.
/// Check names: format, kid_known, signature, batch_inclusion, claims, request_hash, upstream_request_hash,
/// response_hash, checkpoint_signature, log_inclusion.
/// </summary>
public static class ReceiptVerifier
{
    /// <summary>Runs every check that the given evidence allows; stops after the first check that makes the rest meaningless.</summary>
    public static VerificationReport Verify(string compactJws, JsonWebKeySet keys, ReceiptEvidence? evidence = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var checks = new List<VerificationCheck>();
        if (ReceiptBatch.IsBatched(compactJws))
        {
            return VerifyBatched(compactJws, keys, evidence, checks);
        }

        JwsVerification jws = CompactJws.Verify(compactJws ?? string.Empty, keys);

        bool wellFormed = jws.Status is not (JwsStatus.Malformed or JwsStatus.UnsupportedAlgorithm);
        checks.Add(new VerificationCheck("format", wellFormed, wellFormed ? "compact ES256 JWS" : jws.Reason));
        if (!wellFormed)
        {
            return new VerificationReport(checks);
        }

        bool keyKnown = jws.Status != JwsStatus.UnknownKey;
        checks.Add(new VerificationCheck("kid_known", keyKnown, keyKnown ? $"key {jws.KeyId} is published" : jws.Reason));
        if (!keyKnown)
        {
            return new VerificationReport(checks);
        }

        checks.Add(new VerificationCheck("signature", jws.IsValid, jws.Reason));
        if (!jws.IsValid)
        {
            return new VerificationReport(checks);
        }

        if (jws.Type != ReceiptJson.JwsType)
        {
            checks.Add(new VerificationCheck("claims", false, $"typ is \"{jws.Type}\", not \"{ReceiptJson.JwsType}\""));
            return new VerificationReport(checks);
        }

        return CheckClaims(compactJws!, jws.Payload!, ReceiptClaims.SingleSignatureVersion, evidence, checks);
    }

    /// <summary>
    /// A version 2 receipt: the batch header's signature (format, kid_known, signature), then that the receipt's own
    /// claims are a leaf of that batch (batch_inclusion), then the claims and the evidence as for version 1.
    /// </summary>
    private static VerificationReport VerifyBatched(string receipt, JsonWebKeySet keys, ReceiptEvidence? evidence, List<VerificationCheck> checks)
    {
        BatchVerification batch = ReceiptBatch.Verify(receipt, keys);
        JwsVerification jws = batch.Header;
        bool wellFormed = jws.Status is not (JwsStatus.Malformed or JwsStatus.UnsupportedAlgorithm);
        checks.Add(new VerificationCheck("format", wellFormed, wellFormed ? "batched receipt: compact ES256 JWS of the batch header, claims, leaf index, inclusion path" : jws.Reason));
        if (!wellFormed)
        {
            return new VerificationReport(checks);
        }

        bool keyKnown = jws.Status != JwsStatus.UnknownKey;
        checks.Add(new VerificationCheck("kid_known", keyKnown, keyKnown ? $"key {jws.KeyId} is published" : jws.Reason));
        if (!keyKnown)
        {
            return new VerificationReport(checks);
        }

        checks.Add(new VerificationCheck("signature", jws.IsValid, jws.IsValid ? "batch header signature valid" : jws.Reason));
        if (!jws.IsValid)
        {
            return new VerificationReport(checks);
        }

        checks.Add(new VerificationCheck(
            "batch_inclusion",
            batch.IsValid,
            batch.IsValid
                ? $"the claims are leaf {batch.LeafIndex} of a batch of {batch.Batch!.Size} signed at {batch.Batch.IssuedAt:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}"
                : batch.Problem!));
        if (!batch.IsValid)
        {
            return new VerificationReport(checks);
        }

        return CheckClaims(receipt, batch.Payload!, ReceiptClaims.CurrentVersion, evidence, checks);
    }

    private static VerificationReport CheckClaims(string receipt, byte[] payload, int version, ReceiptEvidence? evidence, List<VerificationCheck> checks)
    {
        if (!ReceiptJson.TryParse(payload, out ReceiptClaims? claims, out string? error))
        {
            checks.Add(new VerificationCheck("claims", false, error!));
            return new VerificationReport(checks);
        }

        // A version 1 payload is signed alone and a version 2 payload only as a batch leaf: neither passes as the other.
        if (claims!.Version != version)
        {
            checks.Add(new VerificationCheck("claims", false, $"\"v\" is {claims.Version}, but the receipt has the form of version {version}"));
            return new VerificationReport(checks);
        }

        checks.Add(new VerificationCheck("claims", true, $"receipt for request {claims.RequestId}, served model {claims.ServedModel ?? "(not reported)"}{UpstreamText(claims)}"));

        if (evidence is not null)
        {
            AddHashCheck(checks, "request_hash", "client request body", evidence.ClientRequestBody, claims.ClientRequestSha256);
            AddHashCheck(checks, "upstream_request_hash", "upstream request body", evidence.UpstreamRequestBody, claims.UpstreamRequestSha256);
            AddHashCheck(checks, "response_hash", "response body", evidence.ResponseBody, claims.ResponseSha256);
            if (evidence.Inclusion is { } inclusion)
            {
                checks.AddRange(LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(receipt), inclusion));
            }
        }

        return new VerificationReport(checks, claims);
    }

    /// <summary>Where the answer came from, so a reader who knows the provider's hosts and keys can see a swapped upstream.</summary>
    private static string UpstreamText(ReceiptClaims claims) => claims.UpstreamHost is null
        ? ""
        : $", by upstream {claims.UpstreamHost}:{claims.UpstreamPort} "
          + (claims.UpstreamTlsSpkiSha256 is { } spki ? $"(TLS key sha256 {spki})" : "(plain http, no TLS key)")
          + (claims.UpstreamResponseSha256 is { } upstream ? $", upstream response sha256 {upstream}" : "");

    private static void AddHashCheck(List<VerificationCheck> checks, string name, string what, byte[]? kept, string? stated)
    {
        if (kept is null)
        {
            return;
        }

        if (stated is null)
        {
            checks.Add(new VerificationCheck(name, false, $"the receipt states no hash for the {what}"));
            return;
        }

        string actual = ReceiptJson.Sha256Hex(kept);
        bool same = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.ASCII.GetBytes(stated));
        checks.Add(new VerificationCheck(
            name,
            same,
            same ? $"{what} matches sha256 {stated}" : $"{what} has sha256 {actual}, the receipt states {stated}"));
    }
}
