using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;
using Warden.Server.Usage;

namespace Warden.Server.Pipeline;

/// <summary>
/// Everything one relayed request accumulates as it moves through the stages; it becomes the usage record.
/// It holds the body only for the duration of the request and never copies it anywhere else.
/// </summary>
internal sealed class RelayRequest(string id, long startTimestamp, DateTimeOffset receivedAt, ClientProtocol protocol, RequestContext context)
{
    /// <summary>The protocol the client spoke.</summary>
    public ClientProtocol Protocol { get; } = protocol;

    /// <summary>What the client asks for: the row of the operation × dialect table that decides which upstreams may serve it.</summary>
    public ApiOperation Operation { get; init; } = ApiOperation.Chat;

    /// <summary>What the client's protocol carried outside the body (Gemini's model and stream flag).</summary>
    public RequestContext Context { get; } = context;

    /// <summary>The facts routing and metering need, from the fast inspection.</summary>
    public RequestFacts? Facts { get; set; }

    /// <summary>Declared differences between the client's request and what went upstream (translation and policy).</summary>
    public List<string> Changes { get; } = [];

    /// <summary>The version of the channel policy applied to the body sent upstream; null when the channel declares none.</summary>
    public long? PolicyVersion { get; set; }

    public string Id { get; } = id;

    public long StartTimestamp { get; } = startTimestamp;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    public ClientKey? Key { get; set; }

    public ReadOnlyMemory<byte> Body { get; set; }

    private byte[]? _rentedBody;

    /// <summary>Takes a pooled buffer holding the body; <see cref="ReturnBodyAsync"/> gives it back when the request ends.</summary>
    public void UseRentedBody(byte[] rented, int length)
    {
        _rentedBody = rented;
        Body = rented.AsMemory(0, length);
    }

    /// <summary>
    /// For a request that may get a receipt: a large body starts being hashed on another thread now, while the request
    /// is inspected, routed and sent (<see cref="BackgroundSha256"/>); a small one is hashed when the receipt is signed.
    /// </summary>
    public void StartHashingBody()
    {
        if (Body.Length >= BackgroundSha256.MinimumBytes && _clientBodyHash is null && _clientBodySha256 is null)
        {
            _clientBodyHash = BackgroundSha256.Start(Body);
        }
    }

    /// <summary>
    /// Returns the body's pooled buffer, cleared so no prompt bytes linger in reused memory, once no thread hashes it
    /// any more. The body and its hashes must not be asked for after this.
    /// </summary>
    public async ValueTask ReturnBodyAsync()
    {
        if (_clientBodyHash is { } hashing)
        {
            await hashing.ReleaseAsync();
        }

        if (_rentedBody is { } rented)
        {
            _rentedBody = null;
            Body = ReadOnlyMemory<byte>.Empty;
            System.Buffers.ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>Chat Completions only: the pass-through relay's extra facts (stream_options).</summary>
    public ChatRequestInfo? Info { get; set; }

    /// <summary>The upstream key of the current (finally: the last) attempt.</summary>
    public RouteTarget? Target { get; set; }

    /// <summary>The residency rule that applies to this request's key (issue 20), or null when none does.</summary>
    public Residency.ResidencyRule? Residency { get; set; }

    /// <summary>The key's tenant, read with <see cref="Residency"/> for the transfer register.</summary>
    public string? TenantId { get; set; }

    /// <summary>What the personal-data scan found, once an attempt leaving home made it run (never values).</summary>
    public Core.Protection.PersonalDataScan? PersonalData { get; set; }

    /// <summary>The masked request and its placeholder map, once a mask rule needed them; in memory for this request only.</summary>
    public Core.Protection.PersonalDataMasking? PersonalDataMasking { get; set; }

    /// <summary>The masking the current attempt sends (null: the client's request goes as it is); the relay restores its values.</summary>
    public Core.Protection.PersonalDataMasking? AttemptMasking { get; set; }

    /// <summary>The transfer register's row of the last attempt that left home (null: the request stayed home).</summary>
    public Residency.TransferRecord? Transfer { get; set; }

    /// <summary>The models and keys this request may be served by, in the order they may be tried.</summary>
    public IReadOnlyList<RouteLeg> Legs { get; set; } = [];

    /// <summary>Every upstream attempt made, in order, for the receipt.</summary>
    public List<Core.Trust.ReceiptAttempt> Attempts { get; } = [];

    /// <summary>Set when a declared fallback model answered instead of the requested one.</summary>
    public Core.Trust.ReceiptFallback Fallback { get; set; } = Core.Trust.ReceiptFallback.None;

    public string? UpstreamRequestId { get; set; }

    /// <summary>The connection that carried the current attempt (host, port, TLS key), for the receipt.</summary>
    public Core.Providers.UpstreamConnection? UpstreamConnection { get; set; }

    /// <summary>The hash of the current attempt's response body as read from the upstream, for the receipt.</summary>
    public Core.Providers.UpstreamResponseDigest? UpstreamResponse { get; set; }

    public string? ServedModel { get; set; }

    public Core.Chat.Usage Usage { get; set; } = Core.Chat.Usage.NotReported;

    private long? _estimatedInputTokens;

    private long? _inputTokenBound;

    /// <summary>
    /// The input tokens estimated from the body (the labelled estimate when no usage is reported), computed once and
    /// only when asked: it reads the whole body.
    /// </summary>
    public long EstimatedInputTokens() => _estimatedInputTokens ??= Core.Canonical.TokenEstimator.EstimateFromJson(Body.Span);

    /// <summary>
    /// The most input tokens any upstream can count for this body (<see cref="Core.Canonical.InputTokenBound"/>): the
    /// hold's input side. Computed once and only when asked: an unmetered key with no token rate limit never needs it.
    /// </summary>
    public long InputTokenBound() => _inputTokenBound ??= Core.Canonical.InputTokenBound.FromJson(Body.Span);

    /// <summary>
    /// The output limit no body sent upstream for this request may exceed, when the hold needs one (a metered request:
    /// its stated limit, or the cap written for a model whose maximum output is not known); null otherwise.
    /// </summary>
    public long? OutputCap { get; set; }

    /// <summary>The billing hold taken before forwarding (metered or not), settled once when the request ends.</summary>
    public Billing.Reservation? Reservation { get; set; }

    /// <summary>Set when settlement of <see cref="Reservation"/> has been attempted, so it happens once.</summary>
    public bool SettleStarted { get; set; }

    /// <summary>
    /// Set by the pipeline for a complete (non-streamed) answer: settles it at its commit point, before anything is sent,
    /// and returns the error to send instead of the answer when settling failed (null: send the answer).
    /// </summary>
    public Func<Task<ClientError?>>? SettleBeforeAnswer { get; set; }

    /// <summary>
    /// Set by the pipeline for a complete answer: signs its receipt and commits its usage record with the receipt before
    /// its status goes out, and returns the error to send instead of the answer when that commit failed (null: send it).
    /// </summary>
    public Func<Task<ClientError?>>? RecordBeforeAnswer { get; set; }

    /// <summary>The usage record committed before the answer's end went out (null: the record is still to be written).</summary>
    public UsageRecord? DurableRecord { get; set; }

    /// <summary>The settlement of a metered request (cost and price version for the receipt), once settled.</summary>
    public Billing.SettlementResult? Settlement { get; set; }

    public int Status { get; set; }

    public string Outcome { get; set; } = UsageOutcome.Completed;

    /// <summary>Timestamp at which the first body byte went to the client: Warden's commit point.</summary>
    public long? CommittedTimestamp { get; set; }

    private ReadOnlyMemory<byte>? _upstreamBody;
    private string? _upstreamBodySha256;
    private BackgroundSha256? _upstreamBodyHash;

    /// <summary>
    /// The body sent upstream by the current attempt (null: none sent). Only its hash is used, for the receipt, and
    /// it is never computed before the body goes upstream: a small body is hashed when the receipt is signed, a large
    /// one that differs from the client's (translated or changed) on another thread meanwhile. The body is an array of
    /// its own (never pooled), so an attempt that is given up may leave its hash running.
    /// </summary>
    public ReadOnlyMemory<byte>? UpstreamBody
    {
        get => _upstreamBody;
        set
        {
            _upstreamBody = value;
            _upstreamBodySha256 = null;
            _upstreamBodyHash = value is { Length: >= BackgroundSha256.MinimumBytes } changed && !changed.Equals(Body)
                ? BackgroundSha256.Start(changed)
                : null;
        }
    }

    /// <summary>SHA-256 (hex) of <see cref="UpstreamBody"/>, computed once; the client's body hash when nothing was changed.</summary>
    public string? UpstreamRequestSha256() => _upstreamBody is not { } body ? null
        : _upstreamBodySha256 ??= body.Equals(Body) ? ClientBodySha256()
            : _upstreamBodyHash?.Result ?? Core.Trust.ReceiptJson.Sha256Hex(body.Span);

    /// <summary>SHA-256 (hex) of a complete (non-streamed) answer's body, set when it is committed.</summary>
    public string? ResponseSha256 { get; set; }

    /// <summary>The signed receipt (compact JWS), once issued; stored with the usage record.</summary>
    public string? Receipt { get; set; }

    private string? _clientBodySha256;
    private BackgroundSha256? _clientBodyHash;

    /// <summary>SHA-256 (hex) of the client's request body, computed once (while the body is held).</summary>
    public string ClientBodySha256() => _clientBodySha256 ??= _clientBodyHash?.Result ?? Core.Trust.ReceiptJson.Sha256Hex(Body.Span);

    public UsageRecord ToRecord(TimeProvider time)
    {
        long now = time.GetTimestamp();
        return new UsageRecord(
            Id,
            Key?.Id,
            Facts?.Model,
            ServedModel,
            Target?.ChannelId,
            UpstreamRequestId,
            Status,
            Outcome,
            Facts?.Stream ?? false,
            Usage,
            time.GetElapsedTime(StartTimestamp, now).TotalMilliseconds,
            CommittedTimestamp is { } c ? time.GetElapsedTime(StartTimestamp, c).TotalMilliseconds : null,
            ReceivedAt)
        {
            Receipt = Receipt,
            Transfer = Transfer,
        };
    }
}
