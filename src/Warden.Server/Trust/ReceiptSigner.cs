using System.Buffers;
using Warden.Core.Trust;
using Warden.Server.Pipeline;
using Warden.Server.Usage;

namespace Warden.Server.Trust;

/// <summary>
/// Signs the receipt of a relayed request with the current key of the ring loaded at start, in batches
/// (<see cref="ReceiptBatcher"/>), and holds the published key set (current and retired public keys) served at
/// <c>/.well-known/warden/jwks.json</c>.
/// </summary>
internal sealed class ReceiptSigner
{
    private readonly SigningKeyRing _ring;
    private readonly TimeProvider _time;
    private readonly ConfigDigestInForce? _configDigest;
    private readonly ReceiptBatcher _batcher;

    public ReceiptSigner(SigningKeyRing ring, TimeProvider time, ConfigDigestInForce? configDigest = null, ReceiptBatchOptions? batching = null)
    {
        _ring = ring;
        _time = time;
        _configDigest = configDigest;
        _batcher = new ReceiptBatcher(ring, time, batching ?? new ReceiptBatchOptions());
        var buffer = new ArrayBufferWriter<byte>();
        ring.PublicKeys.WriteTo(buffer);
        JwksJson = buffer.WrittenMemory.ToArray();
    }

    /// <summary>The published key set.</summary>
    public JsonWebKeySet PublicKeys => _ring.PublicKeys;

    /// <summary>The published key set as the JSON bytes served (built once).</summary>
    public ReadOnlyMemory<byte> JwksJson { get; }

    /// <summary>The id of the key that signs new receipts.</summary>
    public string CurrentKeyId => _ring.Current.KeyId;

    /// <summary>The claims of a request that reached an upstream and committed a 200.</summary>
    public ReceiptClaims ClaimsFor(RelayRequest request, string responseSha256)
    {
        var target = request.Target!;
        return new ReceiptClaims
        {
            Version = ReceiptClaims.CurrentVersion,
            RequestId = request.Id,
            IssuedAt = _time.GetUtcNow(),
            KeyFingerprint = request.Key?.Id ?? "(none)",
            RequestedModel = request.Facts?.Model ?? "(none)",
            ServedModel = request.ServedModel,
            Provider = target.Upstream.Profile.Id,
            Channel = target.ChannelName,
            Jurisdiction = target.Jurisdiction,
            UpstreamRequestId = request.UpstreamRequestId,
            ClientRequestSha256 = request.ClientBodySha256(),
            UpstreamRequestSha256 = request.UpstreamRequestSha256(),
            ResponseSha256 = responseSha256,
            UpstreamHost = request.UpstreamConnection?.Host,
            UpstreamPort = request.UpstreamConnection?.Port,
            UpstreamTlsSpkiSha256 = request.UpstreamConnection?.TlsSpkiSha256,
            UpstreamResponseSha256 = request.UpstreamResponse?.Sha256(),
            Usage = request.Usage,

            // Settled before signing when the key is metered; an unmetered key's receipt has no price and no cost.
            PriceVersion = request.Settlement?.PriceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            BilledModel = request.Settlement is null ? null : request.Reservation?.Model,
            Cost = request.Settlement is { } settled ? new ReceiptCost(settled.ChargedMicros, settled.Currency) : null,
            PolicyVersion = request.PolicyVersion,
            ConfigDigest = _configDigest?.Current,
            Changes = [.. request.Changes],
            Redactions = [],

            // The failed attempts before the one that answered, then that one (a committed 200 means the upstream answered 200).
            Attempts = [.. request.Attempts, new ReceiptAttempt(target.ChannelName, AttemptOutcome(request.Outcome), StatusCodes.Status200OK)],
            Fallback = request.Fallback,
        };
    }

    /// <summary>
    /// Signs the receipt for <paramref name="request"/> (in the next batch, or alone when the signer is idle), remembers
    /// it on the request (it is stored with the usage record) and returns it.
    /// </summary>
    public async ValueTask<string> IssueAsync(RelayRequest request, string responseSha256)
    {
        string receipt = await _batcher.SignAsync(ReceiptJson.ToUtf8(ClaimsFor(request, responseSha256)));
        request.Receipt = receipt;
        return receipt;
    }

    private static string AttemptOutcome(string usageOutcome) => usageOutcome == UsageOutcome.Completed ? "ok" : usageOutcome;
}
