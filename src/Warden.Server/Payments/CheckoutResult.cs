namespace Warden.Server.Payments;

/// <summary>
/// What creating a checkout gave: the provider's reference (Stripe's session id), where to send the payer (a URL), or
/// for a provider whose request the merchant signs, the signed parameters to post to its gateway; or a problem.
/// </summary>
internal sealed record CheckoutResult(string? ProviderReference, string? Url, IReadOnlyDictionary<string, string>? Parameters, string? Problem)
{
    public static CheckoutResult Failed(string problem) => new(null, null, null, problem);
}
