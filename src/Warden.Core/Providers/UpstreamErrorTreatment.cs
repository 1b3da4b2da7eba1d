namespace Warden.Core.Providers;

/// <summary>What the client sees for one kind of upstream failure.</summary>
/// <param name="ClientStatus">HTTP status returned to the client before the commit point.</param>
/// <param name="ErrorType">The error type/code in the client's protocol.</param>
/// <param name="Retryable">Whether another attempt (same or another channel) may succeed.</param>
/// <param name="SendRetryAfter">Whether the client response must carry Retry-After.</param>
/// <param name="CountsAgainstHealth">Whether the failure says the upstream key is unwell (toward opening its circuit);
/// a failure the request caused says nothing about the key, so one client cannot pause a model for everyone.</param>
public readonly record struct UpstreamErrorTreatment(int ClientStatus, string ErrorType, bool Retryable, bool SendRetryAfter, bool CountsAgainstHealth);
