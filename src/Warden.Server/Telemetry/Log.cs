namespace Warden.Server.Telemetry;

/// <summary>
/// Every log event Warden writes, with its id, in one place. None of them takes prompt or answer content,
/// a client key or an upstream credential: only ids, model names, counts and error kinds.
/// </summary>
/// <remarks>
/// Every [LoggerMessage] method of this assembly is declared in this one class: the .NET 10 logging generator emits the
/// classes that declare them in an order that changes from build to build (dotnet/runtime#119587, fixed for .NET 11),
/// and that order is in the generated source embedded in the PDB, whose hash is in warden.dll, so two classes would
/// make two builds of one commit differ (.ci/reproducible-build). The simulator defines its one event without it.
/// </remarks>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Warning, "Committing {Count} usage records failed (attempt {Attempt}, SQLite error {Code}); retrying")]
    public static partial void UsageCommitFailed(ILogger logger, int count, int attempt, int code);

    [LoggerMessage(1002, LogLevel.Error, "Unhandled {ExceptionType} in request {RequestId}: {StackTrace}")]
    public static partial void UnhandledException(ILogger logger, string requestId, string exceptionType, string stackTrace);

    [LoggerMessage(2001, LogLevel.Warning, "Upstream call for request {RequestId} on channel {Channel} failed: {Kind} (upstream status {Status})")]
    public static partial void UpstreamFailed(ILogger logger, string requestId, string channel, Warden.Core.Providers.UpstreamErrorKind kind, int? status);

    [LoggerMessage(2002, LogLevel.Warning, "Upstream stream for request {RequestId} on channel {Channel} broke after the response started: {Reason}")]
    public static partial void UpstreamStreamBroke(ILogger logger, string requestId, string channel, string reason);

    [LoggerMessage(2019, LogLevel.Warning, "Answer to request {RequestId} from channel {Channel} called a tool the client did not offer ({Reason}, tool {Tool}); the call was stopped before it reached the client")]
    public static partial void ToolCallRefused(ILogger logger, string requestId, string channel, string reason, string tool);

    [LoggerMessage(2003, LogLevel.Debug, "Client of request {RequestId} disconnected; its upstream call is cancelled (after the upstream's finish: once its usage is read, within the usage grace)")]
    public static partial void ClientDisconnected(ILogger logger, string requestId);

    [LoggerMessage(4710, LogLevel.Error, "The usage record and receipt of request {RequestId} could not be committed; its answer's end was withheld")]
    public static partial void RecordFailed(ILogger logger, string requestId);

    [LoggerMessage(4011, LogLevel.Error, "Settling request {RequestId} failed ({ExceptionType}); its hold stays until the stale-hold release")]
    public static partial void SettlementFailed(ILogger logger, string requestId, string exceptionType);

    [LoggerMessage(4002, LogLevel.Warning, "Released {Count} billing holds older than {Age} left by a stopped server (unbilled)")]
    public static partial void StaleHoldsReleased(ILogger logger, int count, TimeSpan age);

    [LoggerMessage(4101, LogLevel.Error, "Transparency log refresh failed: {Reason}")]
    public static partial void TransparencyLogRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(4001, LogLevel.Critical, "The stored transparency log does not match the tree Warden signed; no proof is served from the changed part: {Reason}")]
    public static partial void TransparencyLogTampered(ILogger logger, string reason);

    [LoggerMessage(3001, LogLevel.Information, "Configuration changed (version {Version}); reloaded {Keys} keys and {Channels} channels")]
    public static partial void ConfigReloaded(ILogger logger, long version, int keys, int channels);

    [LoggerMessage(3003, LogLevel.Warning, "Reading the configuration failed (SQLite error {Code}); the last loaded configuration stays in force")]
    public static partial void ConfigReloadFailed(ILogger logger, int code);

    [LoggerMessage(3002, LogLevel.Error, "Channel {Channel} could not be loaded and is out of service: {Reason}")]
    public static partial void ChannelUnusable(ILogger logger, string channel, string reason);

    [LoggerMessage(3011, LogLevel.Warning, "Channel {Channel}'s credential is now sealed under master key {KeyId}, which this server does not hold; it keeps the credential it read before the rotation. Restart with the new key to add or change channels")]
    public static partial void CredentialKeptAfterRotation(ILogger logger, string channel, string keyId);

    [LoggerMessage(4601, LogLevel.Critical, "The transparency log's append-only trigger {Trigger} was missing or altered in the database; it is restored. Someone changed the data folder outside Warden")]
    public static partial void LogTriggerRestored(ILogger logger, string trigger);

    [LoggerMessage(4602, LogLevel.Warning, "The transparency log held no commitment to the configuration (a data folder from before configuration commitments): the configuration as it is now ({Objects} objects, digest {Digest}) is logged once as a baseline entry")]
    public static partial void ConfigBaselineLogged(ILogger logger, int objects, string digest);

    [LoggerMessage(4603, LogLevel.Critical, "Stopping: {Reason}")]
    public static partial void ConfigDiffersFromLog(ILogger logger, string reason);

    [LoggerMessage(4604, LogLevel.Critical, "The stored receipt asked for as {RequestId} is the receipt of another request; it is not served. The receipts table was changed outside Warden")]
    public static partial void StoredReceiptInconsistent(ILogger logger, string requestId);

    [LoggerMessage(4131, LogLevel.Warning, "Refused to cosign {Origin} at size {Size} after {Old}: {Reason}")]
    public static partial void WitnessRefusedToCosign(ILogger logger, string origin, long old, long size, string reason);

    [LoggerMessage(4132, LogLevel.Information, "Cosigned {Origin} at size {Size}")]
    public static partial void WitnessCosigned(ILogger logger, string origin, long size);

    [LoggerMessage(4121, LogLevel.Warning, "Witness {Witness} could not be reached or answered badly: {Reason}")]
    public static partial void WitnessSubmitFailed(ILogger logger, string witness, string reason);

    [LoggerMessage(4122, LogLevel.Warning, "Witness {Witness} refused to cosign the checkpoint of size {Size} with status {Status}")]
    public static partial void WitnessRefused(ILogger logger, string witness, int status, long size);

    [LoggerMessage(4123, LogLevel.Critical, "Witness {Witness} has cosigned size {Theirs} of this log, which holds only {Size} entries: the log was truncated or rewritten after it was witnessed")]
    public static partial void WitnessAhead(ILogger logger, string witness, long theirs, long size);

    [LoggerMessage(5300, LogLevel.Information, "Rate limits, concurrency leases, cool-downs and circuits are shared through Redis; {Nodes} live nodes")]
    public static partial void SharedStateConnected(ILogger logger, int nodes);

    [LoggerMessage(5301, LogLevel.Warning, "Redis cannot be used ({Reason}): each limit falls back to this node's local share (1/{Nodes} of it), cool-downs and circuits stay local, until Redis answers again")]
    public static partial void SharedStateDegraded(ILogger logger, string reason, int nodes);

    [LoggerMessage(5302, LogLevel.Information, "Redis answers again: rate limits, leases, cool-downs and circuits are shared again; {Nodes} live nodes")]
    public static partial void SharedStateRecovered(ILogger logger, int nodes);

    [LoggerMessage(5400, LogLevel.Information, "Customer invitation {InvitationId} to tenant {Tenant} created by {Actor}")]
    public static partial void CustomerInvited(ILogger logger, string tenant, string actor, string invitationId);

    [LoggerMessage(5401, LogLevel.Information, "Customer account {AccountId} disabled by {Actor}; {Sessions} sessions ended")]
    public static partial void CustomerDisabled(ILogger logger, string accountId, string actor, int sessions);

    [LoggerMessage(5500, LogLevel.Information, "Payment order {OrderId} created with {Provider} for tenant {TenantId}: {AmountMicros} micros")]
    public static partial void PaymentOrderCreated(ILogger logger, string provider, string orderId, string tenantId, long amountMicros);

    [LoggerMessage(5501, LogLevel.Warning, "{Provider} refused to create the checkout of payment order {OrderId}")]
    public static partial void PaymentCheckoutFailed(ILogger logger, string provider, string orderId);

    [LoggerMessage(5502, LogLevel.Information, "Payment order {OrderId} credited from a verified {Provider} notification")]
    public static partial void PaymentCredited(ILogger logger, string provider, string orderId);

    [LoggerMessage(5503, LogLevel.Information, "A {Provider} notification for payment order {OrderId} was already processed; nothing credited")]
    public static partial void PaymentReplayed(ILogger logger, string provider, string orderId);

    [LoggerMessage(5504, LogLevel.Information, "A verified {Provider} notification had nothing to credit: {Reason}")]
    public static partial void PaymentIgnored(ILogger logger, string provider, string reason);

    [LoggerMessage(5505, LogLevel.Warning, "A {Provider} payment notification was refused and credited nothing: {Reason}")]
    public static partial void PaymentRefused(ILogger logger, string provider, string reason);
}
