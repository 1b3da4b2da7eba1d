namespace Warden.Server.Routing;

/// <summary>
/// A declared alias: a name clients may request that always means one served model. Declared, listed to key holders
/// with its target (<c>GET /v1/models</c>, <c>GET /v1/policy</c>) and logged on every change, so an alias can never
/// quietly start meaning a cheaper model.
/// </summary>
/// <param name="Name">What clients request.</param>
/// <param name="Model">The served model it resolves to (never another alias).</param>
/// <param name="Provider">The provider profile the operator promises for it, when declared.</param>
/// <param name="Version">The model version the operator promises for it, when declared.</param>
/// <param name="CreatedAt">When it was declared.</param>
internal sealed record ModelAlias(string Name, string Model, string? Provider, string? Version, DateTimeOffset CreatedAt);
